//! Raw TCP exchanges, for faults that only show below HTTP: resets, short
//! bodies, trickles, compressed bytes.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use progress_sim::Simulator;

/// What came over the socket, and how it ended.
#[derive(Debug)]
pub struct RawReply {
    pub bytes: Vec<u8>,
    /// `None` for a clean end of stream (FIN); the error otherwise.
    pub error: Option<io::ErrorKind>,
    /// How many reads returned data.
    pub reads: usize,
    pub elapsed: Duration,
}

impl RawReply {
    fn split(&self) -> (&str, &[u8]) {
        let end = self
            .bytes
            .windows(4)
            .position(|window| window == b"\r\n\r\n")
            .expect("a complete head");
        let head = std::str::from_utf8(&self.bytes[..end]).expect("an ASCII head");
        (head, &self.bytes[end + 4..])
    }

    pub fn status(&self) -> u16 {
        let (head, _) = self.split();
        head.split(' ').nth(1).unwrap().parse().unwrap()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = self.split();
        head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }

    pub fn content_length(&self) -> usize {
        self.header("content-length")
            .expect("a content-length")
            .parse()
            .unwrap()
    }

    pub fn body(&self) -> &[u8] {
        self.split().1
    }
}

/// GET `path` over a fresh connection (`Connection: close`, so a whole
/// answer ends with a FIN) and read until the end, an error, or 10 s.
pub fn raw_get(sim: &Simulator, path: &str, extra_headers: &[&str]) -> RawReply {
    let mut stream = TcpStream::connect(sim.address()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer token\r\nConnection: close\r\n"
    );
    for header in extra_headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let started = Instant::now();
    let mut bytes = Vec::new();
    let mut reads = 0;
    let mut buffer = [0u8; 64 * 1024];
    let error = loop {
        match stream.read(&mut buffer) {
            Ok(0) => break None,
            Ok(read) => {
                reads += 1;
                bytes.extend_from_slice(&buffer[..read]);
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => break Some(error.kind()),
        }
    };
    RawReply {
        bytes,
        error,
        reads,
        elapsed: started.elapsed(),
    }
}
