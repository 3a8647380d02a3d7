"""Fill a form in LibreOffice as a unit does: type into every cell it may type in.

Run by tests/common/lo.rs with a Python that has LibreOffice's `uno` module:
    python3 lo_fill_inputs.py SOFFICE PROFILE_URL FORM.xlsx FIGURES.xlsx OUT.xlsx

Opens FORM.xlsx (a form as tonghop sent it, its sheets protected) and FIGURES.xlsx (a
workbook laid out as the same form, with the unit's figures); types into each unlocked
cell of FORM's sheets the figure at the same place in FIGURES, leaving the locked cells
(what the form computes or the province filled in) as they are; recalculates; saves
OUT.xlsx as Excel 2007-365. Prints one JSON object: how many cells were typed, and each
locked cell holding a plain figure that differs from FIGURES (sheet, cell, form's value,
figures' value).
"""
import json
import sys

# lo_uno imports uno first: only then are the com.sun.star modules importable.
from lo_uno import load, office, save_xlsx
from com.sun.star.sheet.FormulaResult import STRING
from com.sun.star.table.CellContentType import EMPTY, FORMULA, TEXT


def value(cell):
    kind = cell.getType()
    if kind == EMPTY:
        return None
    if kind == TEXT or (kind == FORMULA and cell.FormulaResultType2 == STRING):
        return cell.getString()
    return cell.getValue()


def main():
    soffice, profile, form, figures, dst = sys.argv[1:6]
    typed = 0
    differs = []
    with office(soffice, profile) as desktop:
        doc = load(desktop, form)
        src = load(desktop, figures)
        for sheet in doc.Sheets:
            if not src.Sheets.hasByName(sheet.Name):
                continue
            other = src.Sheets.getByName(sheet.Name)
            cursor = sheet.createCursor()
            cursor.gotoEndOfUsedArea(False)
            last = cursor.getRangeAddress()
            for r in range(last.EndRow + 1):
                for c in range(last.EndColumn + 1):
                    cell = sheet.getCellByPosition(c, r)
                    theirs = value(other.getCellByPosition(c, r))
                    if cell.CellProtection.IsLocked:
                        ours = value(cell)
                        if cell.getType() != FORMULA and ours is not None and ours != theirs:
                            differs.append([sheet.Name, cell.AbsoluteName.split(".")[-1].replace("$", ""), ours, theirs])
                        continue
                    if theirs is None:
                        continue
                    if isinstance(theirs, str):
                        cell.setString(theirs)
                    else:
                        cell.setValue(theirs)
                    typed += 1
        src.close(True)
        save_xlsx(doc, dst)
    print(json.dumps({"typed": typed, "locked_differs": differs}, ensure_ascii=False))


if __name__ == "__main__":
    main()
