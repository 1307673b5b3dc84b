//! Where the bar is drawn: stderr, minus two columns.
//!
//! indicatif pads the bar's line to the terminal's full width, which leaves the
//! cursor in the last column. When Ctrl-C is pressed, the terminal echoes `^C`
//! there, wraps to a new line, and clearing the bar then clears that new line
//! and leaves the bar on screen. Reporting two columns fewer leaves room for the
//! echo on the bar's own line, so the bar and the `^C` go away together.

use std::io;

use console::Term;
use indicatif::TermLike;

/// The columns kept free for the terminal's `^C` echo.
const ECHO_ROOM: u16 = 2;

/// stderr as a terminal two columns narrower than it is.
#[derive(Debug)]
pub struct Stderr(Term);

impl Stderr {
    /// The process's stderr.
    pub fn new() -> Self {
        Self(Term::stderr())
    }
}

impl TermLike for Stderr {
    fn width(&self) -> u16 {
        self.0.size().1.saturating_sub(ECHO_ROOM).max(1)
    }

    fn height(&self) -> u16 {
        self.0.size().0
    }

    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_up(n)
    }

    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_down(n)
    }

    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_right(n)
    }

    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_left(n)
    }

    fn write_line(&self, line: &str) -> io::Result<()> {
        self.0.write_line(line)
    }

    fn write_str(&self, text: &str) -> io::Result<()> {
        self.0.write_str(text)
    }

    fn clear_line(&self) -> io::Result<()> {
        self.0.clear_line()
    }

    fn flush(&self) -> io::Result<()> {
        self.0.flush()
    }
}
