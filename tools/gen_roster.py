#!/usr/bin/env python3
"""Writes a teacher roster of N rows (the import template's columns) as .xlsx, for the import
benchmark (BENCHMARKS.md, "Imports"). School codes are read from a Gongjin SQLite database.

    tools/gen_roster.py gongjin-data/gongjin.db 1000000 roster.xlsx [--bad-row K]

Staff numbers are new (BM0000001…), so every row creates a teacher; --bad-row puts an unknown
school code in data row K (the import must then write nothing)."""
import sqlite3, sys, zipfile
from xml.sax.saxutils import escape

db, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
bad = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--bad-row" else None
codes = [r[0] for r in sqlite3.connect(db).execute("SELECT code FROM schools ORDER BY id")]
header = ["教师编号", "姓名", "性别", "出生年份", "学校标识码", "任教学科", "职称", "骨干级别", "本校任教年限", "手机号码"]
surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
subjects = ["语文", "数学", "英语", "物理", "化学", "道德与法治", "体育", "音乐", "美术", "信息技术"]

def cell(col, row, v):
    ref = f"{col}{row}"
    if isinstance(v, int):
        return f'<c r="{ref}"><v>{v}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'

cols = "ABCDEFGHIJ"
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="教师" sheetId="1" r:id="rId1"/></sheets></workbook>')
    z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    with z.open("xl/worksheets/sheet1.xml", "w") as f:
        f.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
        f.write(("<row r=\"1\">" + "".join(cell(c, 1, h) for c, h in zip(cols, header)) + "</row>").encode())
        for i in range(n):
            r = i + 2
            code = "9999999999" if bad == i + 1 else codes[i % len(codes)]
            vals = [f"BM{i:07d}", surnames[i % 20] + given[(i // 20) % 20], "女" if i % 2 else "男",
                    1965 + i % 35, code, subjects[i % 10], "一级教师", "无", i % 20, f"139{i:08d}"]
            f.write(("<row r=\"%d\">" % r + "".join(cell(c, r, v) for c, v in zip(cols, vals)) + "</row>").encode())
        f.write(b"</sheetData></worksheet>")
print(f"{n} rows → {out}")
