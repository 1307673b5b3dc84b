//! The jobs to watch, as they come: the ids on the command line, then for
//! `-` each line of stdin as soon as it is read, so that a producer may keep
//! the pipe open and write ids as it submits jobs.

use std::io::{self, BufRead, Read};
use std::time::Instant;

use progress_model::JobId;
use tokio::sync::mpsc::Sender;
use tokio::sync::mpsc::error::SendError;

use crate::args::JobArg;

/// The longest id line read: far above any job id the service hands out (a
/// GUID is 36 characters), low enough that a stray binary file on stdin is
/// not read into memory as one line.
pub const MAX_ID_LINE: usize = 1024;

/// What the reader hands on, in order.
#[derive(Debug)]
pub enum Incoming {
    /// A job to watch, and when its id was read: its deadline counts from then.
    Job(JobId, Instant),
    /// A line that holds no job id (empty, too long, not UTF-8), skipped.
    Skipped(String),
    /// A line whose id is not one (`..`, control characters): the exit code
    /// tells of it.
    Invalid(String),
}

/// Starts a thread that sends the jobs of `args` (read at `started`) and,
/// for the first `-`, every line of stdin, and ends when stdin is closed or
/// nobody listens any more. A thread rather than the runtime's stdin: a
/// read that blocks must not hold up the watches.
pub fn read(args: Vec<JobArg>, started: Instant, to: Sender<Incoming>) -> io::Result<()> {
    std::thread::Builder::new()
        .name("job ids".into())
        .spawn(move || send_all(&args, started, io::stdin().lock(), &to))?;
    Ok(())
}

/// Sends the jobs of `args`, `-` replaced by the lines of `stdin` (once).
/// Stops early when the receiver is gone.
fn send_all(args: &[JobArg], started: Instant, stdin: impl BufRead, to: &Sender<Incoming>) {
    let mut stdin = Some(stdin);
    for arg in args {
        let sent = match arg {
            JobArg::Id(job) => to.blocking_send(Incoming::Job(job.clone(), started)),
            // A second `-` reads nothing more: stdin is already read.
            JobArg::Stdin => match stdin.take() {
                Some(input) => send_lines(input, to),
                None => Ok(()),
            },
            JobArg::Invalid(why) => {
                to.blocking_send(Incoming::Invalid(format!("{why}; not watched")))
            }
        };
        if sent.is_err() {
            return;
        }
    }
}

/// Sends each line of `input` as it is read.
fn send_lines(mut input: impl BufRead, to: &Sender<Incoming>) -> Result<(), SendError<Incoming>> {
    let mut line = Vec::with_capacity(64);
    for number in 1.. {
        match next_line(&mut input, &mut line) {
            Ok(None) => return Ok(()),
            Ok(Some(read)) => to.blocking_send(classify(number, read, &line))?,
            Err(error) => {
                // Nothing more can be read: the jobs read so far are still watched.
                let warning = format!("cannot read stdin line {number}: {error}");
                return to.blocking_send(Incoming::Skipped(warning));
            }
        }
    }
    Ok(())
}

/// How a line was read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum LineRead {
    /// Whole (at most [`MAX_ID_LINE`] bytes), in the buffer.
    Whole,
    /// Longer than [`MAX_ID_LINE`]: the rest was skipped.
    TooLong,
}

/// What line `number` asks for.
fn classify(number: usize, read: LineRead, line: &[u8]) -> Incoming {
    if read == LineRead::TooLong {
        return Incoming::Skipped(format!(
            "stdin line {number} is longer than {MAX_ID_LINE} bytes, no job id: skipped"
        ));
    }
    let Ok(text) = std::str::from_utf8(line) else {
        return Incoming::Skipped(format!("stdin line {number} is not UTF-8 text: skipped"));
    };
    let id = text.trim();
    if id.is_empty() {
        return Incoming::Skipped(format!("stdin line {number} is empty: skipped"));
    }
    match JobId::new(id) {
        Ok(job) => Incoming::Job(job, Instant::now()),
        Err(error) => Incoming::Invalid(format!("stdin line {number}: {error}; not watched")),
    }
}

/// Reads one line into `line` (without its end), at most [`MAX_ID_LINE`]
/// bytes of it; `None` at the end of input.
fn next_line(input: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<Option<LineRead>> {
    line.clear();
    let limit = MAX_ID_LINE as u64 + 1;
    let read = input.by_ref().take(limit).read_until(b'\n', line)?;
    if read == 0 {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        return Ok(Some(LineRead::Whole));
    }
    if line.len() <= MAX_ID_LINE {
        return Ok(Some(LineRead::Whole)); // the last line, without its end
    }
    skip_to_line_end(input)?;
    Ok(Some(LineRead::TooLong))
}

/// Consumes input up to and including the next line end, keeping none of it.
fn skip_to_line_end(input: &mut impl BufRead) -> io::Result<()> {
    loop {
        let buffer = input.fill_buf()?;
        if buffer.is_empty() {
            return Ok(());
        }
        match buffer.iter().position(|byte| *byte == b'\n') {
            Some(end) => {
                input.consume(end + 1);
                return Ok(());
            }
            None => {
                let all = buffer.len();
                input.consume(all);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(args: &[JobArg], stdin: &[u8]) -> Vec<Incoming> {
        let (to, mut from) = tokio::sync::mpsc::channel(1000);
        send_all(args, Instant::now(), stdin, &to);
        drop(to);
        std::iter::from_fn(|| from.blocking_recv()).collect()
    }

    fn id(text: &str) -> JobArg {
        JobArg::Id(JobId::new(text).unwrap())
    }

    #[test]
    fn stdin_ids_take_the_place_of_the_dash_once() {
        let read = read_all(
            &[id("job-1"), JobArg::Stdin, JobArg::Stdin],
            b"job-2\n  job-3  \r\njob-4",
        );
        let jobs: Vec<String> = read
            .iter()
            .map(|incoming| match incoming {
                Incoming::Job(job, _) => job.to_string(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(jobs, ["job-1", "job-2", "job-3", "job-4"]);
    }

    #[test]
    fn lines_without_a_job_are_skipped_naming_their_number() {
        let long = "x".repeat(MAX_ID_LINE + 1);
        let stdin = format!("a\n\n{long}\n..\nb\n");
        let read = read_all(&[JobArg::Stdin], stdin.as_bytes());
        let text: Vec<String> = read
            .iter()
            .map(|incoming| match incoming {
                Incoming::Job(job, _) => format!("job {job}"),
                Incoming::Skipped(text) | Incoming::Invalid(text) => text.clone(),
            })
            .collect();
        assert_eq!(text[0], "job a");
        assert_eq!(text[1], "stdin line 2 is empty: skipped");
        assert!(
            text[2].starts_with("stdin line 3 is longer than 1024 bytes"),
            "{}",
            text[2]
        );
        assert!(text[3].starts_with("stdin line 4: "), "{}", text[3]);
        assert!(matches!(read[3], Incoming::Invalid(_)));
        assert_eq!(text[4], "job b");
    }

    #[test]
    fn an_id_of_exactly_the_limit_is_read() {
        let id = "y".repeat(MAX_ID_LINE);
        let read = read_all(&[JobArg::Stdin], id.as_bytes());
        assert!(matches!(&read[..], [Incoming::Job(job, _)] if job.as_str() == id));
    }
}
