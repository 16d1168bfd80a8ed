use std::time::Instant;
fn main() {
    let text = std::fs::read_to_string("/tmp/corpus.txt").unwrap();
    let s = fm_sanitizer::Sanitizer::default();
    for _ in 0..10 {
        let t = Instant::now();
        let o = s.sanitize(&text);
        std::hint::black_box(o);
        eprintln!("{:?}", t.elapsed());
    }
}
