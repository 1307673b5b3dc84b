//! The issuer's name in a certificate, for an error message: just enough DER
//! (X.509's `TBSCertificate` up to its `issuer`) to print `CN=..., O=...`.
//! A crate for full X.509 parsing would bring some twenty more crates into
//! every program, for one line of an error.

/// `CN=Example Root, O=Example Corp`: the issuer's common name,
/// organisation, organisational unit and country, in the certificate's
/// order, control characters escaped. `None` if the DER cannot be read.
pub(super) fn issuer_name(certificate: &[u8]) -> Option<String> {
    let (0x30, certificate, _) = tlv(certificate)? else {
        return None;
    };
    let (0x30, tbs, _) = tlv(certificate)? else {
        return None;
    };
    // [0] EXPLICIT version, when present, then serialNumber and signature.
    let (tag, _, mut rest) = tlv(tbs)?;
    if tag == 0xA0 {
        let (0x02, _, after_serial) = tlv(rest)? else {
            return None;
        };
        rest = after_serial;
    } else if tag != 0x02 {
        return None;
    }
    let (0x30, _, rest) = tlv(rest)? else {
        return None;
    };
    let (0x30, mut names, _) = tlv(rest)? else {
        return None;
    };
    let mut parts = Vec::new();
    // Name: SEQUENCE OF SET OF SEQUENCE { type OID, value string }.
    while !names.is_empty() {
        let (0x31, mut set, after) = tlv(names)? else {
            return None;
        };
        names = after;
        while !set.is_empty() {
            let (0x30, attribute, after) = tlv(set)? else {
                return None;
            };
            set = after;
            let (0x06, oid, value) = tlv(attribute)? else {
                return None;
            };
            let (tag, value, _) = tlv(value)?;
            if let (Some(label), Some(text)) = (label(oid), text(tag, value)) {
                parts.push(format!(
                    "{label}={}",
                    crate::progress::escape_controls(&text)
                ));
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// One DER element: its tag, its contents, and what follows it.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *input.first()?;
    let first = *input.get(1)?;
    let (length, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let bytes = input.get(2..2 + count)?;
        let length = bytes
            .iter()
            .fold(0usize, |length, byte| (length << 8) | usize::from(*byte));
        (length, 2 + count)
    };
    let end = header.checked_add(length)?;
    Some((tag, input.get(header..end)?, input.get(end..)?))
}

/// The short name of the attributes worth showing (2.5.4.x).
fn label(oid: &[u8]) -> Option<&'static str> {
    match oid {
        [0x55, 0x04, 0x03] => Some("CN"),
        [0x55, 0x04, 0x0A] => Some("O"),
        [0x55, 0x04, 0x0B] => Some("OU"),
        [0x55, 0x04, 0x06] => Some("C"),
        _ => None,
    }
}

/// A directory string's text: UTF8String, PrintableString, IA5String,
/// TeletexString (read as Latin-1's ASCII part) or BMPString.
fn text(tag: u8, value: &[u8]) -> Option<String> {
    match tag {
        0x0C | 0x13 | 0x16 | 0x14 => Some(String::from_utf8_lossy(value).into_owned()),
        0x1E => {
            let units: Vec<u16> = value
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DER element with a short or long length.
    fn element(tag: u8, contents: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        if contents.len() < 0x80 {
            out.push(contents.len() as u8);
        } else {
            out.push(0x82);
            out.extend_from_slice(&(contents.len() as u16).to_be_bytes());
        }
        out.extend_from_slice(contents);
        out
    }

    fn attribute(oid_last: u8, tag: u8, value: &[u8]) -> Vec<u8> {
        let mut inner = element(0x06, &[0x55, 0x04, oid_last]);
        inner.extend(element(tag, value));
        element(0x31, &element(0x30, &inner))
    }

    fn certificate(version: bool, issuer: &[u8]) -> Vec<u8> {
        let mut tbs = Vec::new();
        if version {
            tbs.extend(element(0xA0, &element(0x02, &[2])));
        }
        tbs.extend(element(0x02, &[0x01, 0x02]));
        tbs.extend(element(0x30, &element(0x06, &[0x2A, 0x86])));
        tbs.extend(element(0x30, issuer));
        tbs.extend(element(0x30, &[0u8; 200])); // the rest, long enough for a long length
        element(0x30, &element(0x30, &tbs))
    }

    #[test]
    fn names_the_issuer_in_its_order() {
        let mut issuer = attribute(0x06, 0x13, b"US");
        issuer.extend(attribute(0x0A, 0x0C, "Exämple Corp".as_bytes()));
        issuer.extend(attribute(0x03, 0x0C, b"Inspection Root"));
        for version in [true, false] {
            assert_eq!(
                issuer_name(&certificate(version, &issuer)).as_deref(),
                Some("C=US, O=Exämple Corp, CN=Inspection Root")
            );
        }
    }

    #[test]
    fn control_characters_in_a_name_are_escaped() {
        let issuer = attribute(0x03, 0x0C, b"Root\x1b[2J");
        let name = issuer_name(&certificate(true, &issuer)).unwrap();
        assert!(!name.contains('\x1b'), "{name:?}");
    }

    #[test]
    fn a_bmp_string_is_read() {
        let utf16: Vec<u8> = "Root".encode_utf16().flat_map(u16::to_be_bytes).collect();
        let issuer = attribute(0x03, 0x1E, &utf16);
        assert_eq!(
            issuer_name(&certificate(true, &issuer)).as_deref(),
            Some("CN=Root")
        );
    }

    #[test]
    fn anything_else_is_none_never_a_panic() {
        let good = certificate(true, &attribute(0x03, 0x0C, b"Root"));
        for cut in 0..good.len() {
            let _ = issuer_name(&good[..cut]);
        }
        assert_eq!(issuer_name(b""), None);
        assert_eq!(issuer_name(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(issuer_name(&certificate(true, &[])), None);
    }
}
