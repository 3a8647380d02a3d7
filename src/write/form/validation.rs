//! Data validation: what Excel and LibreOffice refuse as it is typed into the blank
//! form (a negative or fractional count, a percentage outside 0–100, a date outside
//! 1990–2100, an unknown unit code). It spares the units a round trip for what tonghop
//! would find anyway; tonghop still checks everything, since a unit may paste values
//! or fill the form in another program. Messages are Vietnamese, the units' language.

use crate::cellref::Pos;
use crate::spec::{FieldRef, FieldType, Layout};
use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, ExcelDateTime, Worksheet,
    XlsxError,
};

/// Validate the form's `ci`-th input cell.
pub(super) fn input_cell(ws: &mut Worksheet, form: &Layout, ci: usize) -> Result<(), XlsxError> {
    let c = &form.cells[ci];
    let rule = rule(form, c.ty, ci == form.identity.unit_code)?;
    ws.add_data_validation(c.pos.row, c.pos.col, c.pos.row, c.pos.col, &rule)?;
    Ok(())
}

/// Validate a list's input figure `f`, written at `pos`.
pub(super) fn list_cell(
    ws: &mut Worksheet,
    form: &Layout,
    f: FieldRef,
    pos: Pos,
) -> Result<(), XlsxError> {
    let rule = rule(form, form.field_type(f), false)?;
    ws.add_data_validation(pos.row, pos.col, pos.row, pos.col, &rule)?;
    Ok(())
}

/// Validate the body of the form's `ti`-th table, its first row through `last_row`: its
/// labels take any text, each column the rule of its type.
pub(super) fn table_body(
    ws: &mut Worksheet,
    form: &Layout,
    ti: usize,
    last_row: u32,
) -> Result<(), XlsxError> {
    let t = &form.tables[ti];
    let r0 = t.first_row;
    let any = DataValidation::new().allow_any_value();
    ws.add_data_validation(r0, t.label_col, last_row, t.label_col, &any)?;
    for c in &t.columns {
        ws.add_data_validation(r0, c.col, last_row, c.col, &rule(form, c.ty, false)?)?;
    }
    Ok(())
}

/// The rule for a cell of type `ty`; the unit code cell lists the form's units when
/// Excel can hold the list inline.
fn rule(form: &Layout, ty: FieldType, unit_code: bool) -> Result<DataValidation, XlsxError> {
    let v = DataValidation::new().set_error_style(DataValidationErrorStyle::Stop);
    let v = match ty {
        FieldType::Count => v
            .allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0))
            .set_error_title("Số không hợp lệ")?
            .set_error_message("Nhập số nguyên không âm (0, 1, 2, ...).")?,
        FieldType::Percent => v
            .allow_decimal_number(DataValidationRule::Between(0.0, 100.0))
            .set_error_title("Tỷ lệ không hợp lệ")?
            .set_error_message("Nhập tỷ lệ phần trăm từ 0 đến 100, ví dụ 36,56.")?,
        FieldType::Decimal => v.allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0)),
        FieldType::Date => v
            .allow_date(DataValidationRule::Between(
                ExcelDateTime::from_ymd(1990, 1, 1)?,
                ExcelDateTime::from_ymd(2100, 12, 31)?,
            ))
            .set_error_title("Ngày không hợp lệ")?
            .set_error_message("Nhập ngày dạng ngày/tháng/năm, ví dụ 30/06/2026.")?,
        FieldType::Text if unit_code => {
            let codes: Vec<&str> = form.units.iter().map(|u| u.code.as_str()).collect();
            // Excel limits an inline list to 255 characters; beyond it, any text.
            if codes.join(",").len() <= 255 {
                v.allow_list_strings(&codes)?
                    .set_error_title("Mã đơn vị không hợp lệ")?
                    .set_error_message("Chọn mã đơn vị trong danh sách.")?
            } else {
                v.allow_any_value()
            }
        }
        FieldType::Text => v.allow_any_value(),
    };
    Ok(v)
}
