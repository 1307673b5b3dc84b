//! A connection the handler can ask to reset (RST) instead of closing (FIN).
//!
//! hyper owns the socket while it serves a connection, so the handler cannot
//! touch it. Instead every request carries a [`ConnectionControl`] shared with
//! the socket's wrapper: a handler that wants a reset raises the flag and ends
//! the connection; the wrapper, dropped with it, sets a zero linger first, so
//! the kernel answers the close with a reset.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Put in every request's extensions by the connection layer.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectionControl {
    reset: Arc<AtomicBool>,
}

impl ConnectionControl {
    /// When the connection ends, end it with a reset.
    pub(crate) fn reset_on_close(&self) {
        self.reset.store(true, Ordering::SeqCst);
    }
}

/// A TCP stream that resets on drop if its control says so.
#[derive(Debug)]
pub(crate) struct ResettableStream {
    inner: TcpStream,
    control: ConnectionControl,
}

impl ResettableStream {
    pub(crate) fn new(inner: TcpStream, control: ConnectionControl) -> Self {
        ResettableStream { inner, control }
    }
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        if self.control.reset.load(Ordering::SeqCst) {
            // Best effort: if the option cannot be set, the close is a FIN.
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
