//! Tests only; see `tests/`. The library holds the real servers those tests
//! (and the command's) run against: a TLS progress server with a company-like
//! root made at test time, and a forward proxy.

pub mod ca_server;
pub mod forward_proxy;
