//! The baseline of the import benchmark (BENCHMARKS.md, "Imports"): calamine's raw streaming parse
//! of a sheet's cells, doing nothing with them.
//!
//! `cargo run --release -p gongjin-sheet --example raw_parse -- FILE.xlsx`

use calamine::{DataRef, Reader, Xlsx};
use std::io::Cursor;

fn main() {
    let path = std::env::args().nth(1).expect("usage: raw_parse FILE.xlsx");
    let bytes = std::fs::read(&path).expect("read file");
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("open xlsx");
    let name = book.sheet_names()[0].clone();
    let mut reader = book.worksheet_cells_reader(&name).expect("sheet");
    let (mut cells, mut bytes) = (0u64, 0u64);
    while let Some(cell) = reader.next_cell().expect("cell") {
        cells += 1;
        bytes += match cell.get_value() {
            DataRef::String(s) => s.len() as u64,
            DataRef::SharedString(s) => s.len() as u64,
            _ => 8,
        };
    }
    println!("{cells} cells, {bytes} bytes of text");
}
