"""Move table rows to just above the table's total row with LibreOffice, as a unit does
when it inserts rows there (what the form's note tells it to do) and types figures.

Run by tests/common/lo.rs with a Python that has LibreOffice's `uno` module:
    python3 lo_insert_rows.py SOFFICE PROFILE_URL IN.xlsx OUT.xlsx SHEET LABEL ROWS COLUMNS AT

Opens IN.xlsx in a headless LibreOffice of its own (PROFILE_URL, a throw-away user
profile); finds on SHEET the row whose column A or B reads LABEL (the total row);
inserts as many rows just above it (AT `total`, or above the 1-based row AT) as ROWS lists (comma-separated 1-based row numbers
above it) through LibreOffice's own row insertion (Insert > Rows Above: LibreOffice,
not this script, adjusts the formulas); types into each new row the cells of COLUMNS
(`B:I`) of the listed row, and clears those; recalculates; saves OUT.xlsx as Excel
2007-365. The figures move, so every other figure of the form stays right. Prints the
total row's number (1-based) before and after.
"""
import sys

from lo_uno import load, office, save_xlsx


def main():
    soffice, profile, src, dst, sheet_name, label, rows, columns, at = sys.argv[1:10]
    rows = [int(r) for r in rows.split(",")]
    first_col, last_col = columns.split(":")
    with office(soffice, profile) as desktop:
        doc = load(desktop, src)
        sheet = doc.Sheets.getByName(sheet_name)
        total = None
        for r in range(0, 2000):
            for c in (0, 1):
                if sheet.getCellByPosition(c, r).getString().strip() == label:
                    total = r
                    break
            if total is not None:
                break
        if total is None:
            raise SystemExit("no row labelled %r on %r" % (label, sheet_name))
        # The form's protection allows inserting rows (Excel honours it); the API's
        # insertion refuses on any protected sheet, so the protection (no password) is
        # lifted for the edit and put back.
        was_protected = sheet.isProtected()
        if was_protected:
            sheet.unprotect("")
        # The figures are taken and their rows cleared first: rows below the insertion
        # point move down with it.
        moved = []
        for source in rows:
            src_range = sheet.getCellRangeByName(
                "%s%d:%s%d" % (first_col, source, last_col, source)
            )
            moved.append(src_range.getDataArray()[0])
            for c in range(len(moved[-1])):
                src_range.getCellByPosition(c, 0).setString("")
        at = total if at == "total" else int(at) - 1
        sheet.getRows().insertByIndex(at, len(rows))
        for k, values in enumerate(moved):
            dst_range = sheet.getCellRangeByName(
                "%s%d:%s%d" % (first_col, at + k + 1, last_col, at + k + 1)
            )
            for c, value in enumerate(values):
                cell = dst_range.getCellByPosition(c, 0)
                if isinstance(value, str):
                    cell.setString(value)
                else:
                    cell.setValue(value)
        if was_protected:
            sheet.protect("")
        save_xlsx(doc, dst)
        print(total + 1, total + len(rows) + 1)


if __name__ == "__main__":
    main()
