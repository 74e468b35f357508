//! A gzip-compressed log is read as a stream: the memory a read holds does not grow with the
//! file. A counting allocator measures the most bytes held at once while 64 MiB of CSV (made on
//! the fly, never whole in memory) is compressed and read back; the read must stay under 16 MiB,
//! a quarter of the file.

use engine::events::{ReadOptions, read_events};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let held = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(held, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// CSV rows written as they are read: `bytes` of them after the header.
struct Rows {
    left: usize,
    row: u64,
    pending: Vec<u8>,
}

impl Read for Rows {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            if self.left == 0 {
                return Ok(0);
            }
            self.row += 1;
            let line = format!(
                "case-{};Activity {};{}\r\n",
                self.row / 20,
                self.row % 7,
                chrono::DateTime::from_timestamp(1_700_000_000 + self.row as i64 * 60, 0)
                    .unwrap()
                    .format("%Y/%m/%d %H:%M:%S")
            );
            self.left = self.left.saturating_sub(line.len());
            self.pending = line.into_bytes();
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

#[test]
fn a_gzip_log_larger_than_the_memory_it_may_use_is_read_as_a_stream() {
    const FILE: usize = 64 << 20;
    const LIMIT: usize = 16 << 20;
    let header = std::io::Cursor::new(b"case_id;activity;timestamp\r\n".to_vec());
    let csv = header.chain(Rows {
        left: FILE,
        row: 0,
        pending: Vec::new(),
    });
    // The fastest level keeps the test quick in a debug build.
    let gzip = flate2::read::GzEncoder::new(csv, flate2::Compression::new(1));
    let before = HELD.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let mut events = 0u64;
    let report = read_events(gzip, &ReadOptions::default(), |_, _| events += 1).unwrap();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let reading = report.reading.unwrap();
    assert!(reading.compressed && reading.delimiter == Some(b';'));
    assert!(events > 1_000_000, "{events} events");
    assert!(
        peak < LIMIT,
        "held {peak} bytes at most reading {FILE} bytes"
    );
    println!(
        "{events} events from {} MiB of CSV; at most {:.1} MiB held",
        FILE >> 20,
        peak as f64 / (1 << 20) as f64
    );
}
