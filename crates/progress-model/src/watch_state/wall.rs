//! Wall-clock times in a watch state: RFC 3339 in UTC, to the nanosecond,
//! so that a resumed watch waits exactly what is left.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serializer};

pub(super) fn serialize<S: Serializer>(
    time: &SystemTime,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&humantime::format_rfc3339_nanos(writable(*time)))
}

/// `time` within what RFC 3339 can write: from 1970 (a clock set before it
/// reads as 1970) to the last nanosecond of the year 9999.
pub(crate) fn writable(time: SystemTime) -> SystemTime {
    let last = UNIX_EPOCH + Duration::new(253_402_300_799, 999_999_999);
    time.clamp(UNIX_EPOCH, last)
}

pub(super) fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<SystemTime, D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
    humantime::parse_rfc3339(&text).map_err(|error| {
        serde::de::Error::custom(format_args!(
            "`{}` is not an RFC 3339 UTC time: {error}",
            text.escape_debug()
        ))
    })
}

/// The same for an optional time (`null` when absent).
pub(super) mod optional {
    use std::time::SystemTime;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(in super::super) fn serialize<S: Serializer>(
        time: &Option<SystemTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match time {
            Some(time) => super::serialize(time, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub(in super::super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<SystemTime>, D::Error> {
        #[derive(Deserialize)]
        struct Wall(#[serde(with = "super")] SystemTime);
        Ok(Option::<Wall>::deserialize(deserializer)?.map(|Wall(time)| time))
    }
}
