//! A request's drawn fate carried out around the service's own answer: a
//! delay, a fault that answers instead of the service, a fault on a 200's
//! bytes, gzip. The same on the progress endpoint and the token endpoint;
//! each counts its answers its own way.

use axum::response::Response;
use http::HeaderMap;

use crate::connection::ConnectionControl;
use crate::delivery::{accepts_gzip, changes_a_200, deliver};
use crate::fault_answers::instead_of_answer;
use crate::fault_injector::{Fate, Fault};
use crate::responses::Answer;
use crate::served::AnswerKind;

/// One request's fate, between the faults that come before the service
/// answers and those that act on its answer.
pub(crate) struct Fated<'a, C: Fn(AnswerKind)> {
    fate: Fate,
    connection: &'a ConnectionControl,
    /// Counts the answer, once, by its kind.
    count: C,
    /// A stall is counted before it waits: a client that gives up first
    /// closes the connection, and the handler is dropped with it.
    counted_early: bool,
}

impl<'a, C: Fn(AnswerKind)> Fated<'a, C> {
    /// Waits the fate's delay and plays its fault: the fault's answer, when
    /// it answers instead of the service.
    pub(crate) async fn start(
        fate: Fate,
        connection: &'a ConnectionControl,
        count: C,
    ) -> (Self, Option<Answer>) {
        if let Some(delay) = fate.delay {
            tokio::time::sleep(delay).await;
        }
        let counted_early = matches!(fate.fault, Some(Fault::Stall(_)));
        if counted_early {
            count(AnswerKind::Fault);
        }
        let replaced = match fate.fault {
            Some(fault) => instead_of_answer(fault, connection).await,
            None => None,
        };
        let fated = Self {
            fate,
            connection,
            count,
            counted_early,
        };
        (fated, replaced)
    }

    /// The fault drawn for the request, if any.
    pub(crate) fn fault(&self) -> Option<Fault> {
        self.fate.fault
    }

    /// Counts `answer` (as a fault when one changed it: `faulted`, or a
    /// fault on its bytes) and renders it, with the fault on a 200's bytes
    /// and gzip when the request takes it.
    pub(crate) async fn finish(
        self,
        answer: Answer,
        faulted: bool,
        headers: &HeaderMap,
        correlation_id: &str,
    ) -> Response {
        let body_fault = self
            .fate
            .fault
            .filter(|&fault| changes_a_200(fault) && answer.kind() == AnswerKind::Ok);
        let kind = if faulted || body_fault.is_some() {
            AnswerKind::Fault
        } else {
            answer.kind()
        };
        if !self.counted_early {
            (self.count)(kind);
        }
        let gzip = self.fate.gzip && accepts_gzip(headers);
        deliver(
            answer.into_response(correlation_id),
            body_fault,
            gzip,
            self.connection,
        )
        .await
    }
}
