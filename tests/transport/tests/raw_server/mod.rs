//! A bare HTTP/1.1 server on loopback that counts connections and can misbehave
//! in ways a mock server cannot: endless bodies and silence.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// How the server answers every request.
#[derive(Debug, Clone, Copy)]
pub enum Behaviour {
    /// Answers with these bodies in turn (the last repeats), keeping the connection alive.
    Bodies(&'static [&'static str]),
    /// Announces a huge body and streams it without end.
    EndlessBody,
    /// Reads the request and never answers.
    Silent,
    /// Answers in plain HTTP as soon as a client connects, before it says
    /// anything: a TLS client takes this for a broken handshake.
    PlainTextAtOnce,
}

#[derive(Debug)]
pub struct RawServer {
    pub base_url: String,
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

impl RawServer {
    pub fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let (accepted, served) = (connections.clone(), requests.clone());
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                accepted.fetch_add(1, Ordering::SeqCst);
                let served = served.clone();
                thread::spawn(move || serve(stream, behaviour, &served));
            }
        });
        Self {
            base_url,
            connections,
            requests,
        }
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn serve(stream: TcpStream, behaviour: Behaviour, served: &AtomicUsize) {
    // An answer is written in pieces: without this, each poll waits out the
    // client's delayed acknowledgement.
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    if let Behaviour::PlainTextAtOnce = behaviour {
        let _ = writer.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
        return;
    }
    while read_request_head(&mut reader) {
        let index = served.fetch_add(1, Ordering::SeqCst);
        let written = match behaviour {
            Behaviour::Bodies(bodies) => {
                let body = bodies[index.min(bodies.len() - 1)];
                write!(
                    writer,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                )
            }
            Behaviour::EndlessBody => {
                let chunk = [b' '; 64 * 1024];
                let _ = write!(
                    writer,
                    "HTTP/1.1 200 OK\r\ncontent-length: 100000000000\r\n\r\n"
                );
                // Stops when the client hangs up, which is what the test waits for.
                while writer.write_all(&chunk).is_ok() {}
                return;
            }
            Behaviour::PlainTextAtOnce => return,
            Behaviour::Silent => {
                // Holds the connection until the client gives up and closes it.
                let _ = reader.read_to_end(&mut Vec::new());
                return;
            }
        };
        if written.is_err() {
            return;
        }
    }
}

/// Reads one request head; `false` when the client closed the connection.
fn read_request_head(reader: &mut impl BufRead) -> bool {
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return false,
            Ok(_) if line == "\r\n" => return true,
            Ok(_) => {}
        }
    }
}
