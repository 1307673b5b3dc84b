//! Faults that answer instead of the service: 5xx, 429 storms, gateway
//! pages, and connections that end without an answer.

use http::StatusCode;

use crate::connection::ConnectionControl;
use crate::fault_injector::Fault;
use crate::responses::Answer;

/// The answer `fault` gives in place of the service's, if it is that kind
/// of fault. A stall waits here before its connection is closed.
pub(crate) async fn instead_of_answer(
    fault: Fault,
    connection: &ConnectionControl,
) -> Option<Answer> {
    Some(match fault {
        Fault::ServerError(status) => server_error(status),
        Fault::TooManyRequests(retry_after) => Answer::Storm(retry_after),
        Fault::HtmlGateway(status) => Answer::HtmlGateway(status),
        Fault::DropConnection => Answer::DropConnection,
        Fault::Reset => {
            connection.reset_on_close();
            Answer::DropConnection
        }
        Fault::Stall(duration) => {
            tokio::time::sleep(duration).await;
            Answer::DropConnection
        }
        _ => return None,
    })
}

fn server_error(status: StatusCode) -> Answer {
    let (code, message) = match status {
        StatusCode::BAD_GATEWAY => ("BadGateway", "Simulated bad gateway."),
        StatusCode::SERVICE_UNAVAILABLE => ("ServiceUnavailable", "Simulated outage."),
        StatusCode::GATEWAY_TIMEOUT => ("GatewayTimeout", "Simulated gateway timeout."),
        _ => ("InternalServerError", "Simulated server error."),
    };
    Answer::error(status, code, message)
}
