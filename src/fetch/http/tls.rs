//! TLS: the CAs the fetcher trusts (the system's store, `SSL_CERT_FILE`/`SSL_CERT_DIR`
//! honoured, plus the config's `ca_file`), and what a refused certificate or handshake means,
//! in words that point at the fix.

use std::path::Path;

use ureq::tls::{Certificate, PemItem};

/// The system's CA certificates and `ca_file`'s.
pub(super) fn load_roots(ca_file: Option<&Path>) -> Result<Vec<Certificate<'static>>, String> {
    let mut certs = Vec::new();
    let found = rustls_native_certs::load_native_certs();
    certs.extend(
        found
            .certs
            .into_iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned()),
    );
    if let Some(path) = ca_file {
        let pem = std::fs::read(path).map_err(|e| format!("ca_file {}: {e}", path.display()))?;
        let before = certs.len();
        for item in ureq::tls::parse_pem(&pem) {
            match item {
                Ok(PemItem::Certificate(c)) => certs.push(c),
                Ok(_) => {}
                Err(e) => return Err(format!("ca_file {}: {e}", path.display())),
            }
        }
        if certs.len() == before {
            return Err(format!(
                "ca_file {}: no PEM certificate in it",
                path.display()
            ));
        }
    }
    if certs.is_empty() {
        let why = found
            .errors
            .first()
            .map_or_else(|| "none found".to_owned(), |e| e.to_string());
        return Err(format!("cannot load the system CA certificates: {why}"));
    }
    Ok(certs)
}

/// The error inside `e` if it is the one `variant` wraps: names the TLS library's error type
/// through ureq's own variant, so this crate need not depend on that library.
pub(super) fn inner_as<'e, T: std::error::Error + 'static>(
    _variant: fn(T) -> ureq::Error,
    e: &'e (dyn std::error::Error + Send + Sync + 'static),
) -> Option<&'e T> {
    e.downcast_ref::<T>()
}

/// The one-line cause for an error of the TLS layer, `what` as it words it.
pub(crate) fn tls_cause(what: &str) -> String {
    // A server that answers in plain HTTP on the port asked with TLS.
    if what.contains("InvalidContentType") || what.contains("corrupt message") {
        return format!(
            "TLS: the server did not answer in TLS ({what}); not retried. Is it a plain HTTP \
             port? Then the address is http://, not https://"
        );
    }
    if !what.contains("certificate") {
        return format!("TLS: {what} (not retried; an internal CA? see ca_file)");
    }
    let why = if what.contains("UnknownIssuer") {
        "it is signed by an unknown certificate authority"
    } else if what.contains("not valid for name") || what.contains("NotValidForName") {
        "it is not for this host name"
    } else if what.contains("expired") || what.contains("Expired") {
        "it has expired, or this host's clock is wrong"
    } else if what.contains("NotValidYet") || what.contains("not valid yet") {
        "it is not valid yet, or this host's clock is wrong"
    } else if what.contains("Revoked") || what.contains("revoked") {
        "it was revoked"
    } else {
        "the TLS layer refused it"
    };
    format!(
        "TLS: the server's certificate is not trusted: {why} ({what}); not retried. If the \
         page (or the proxy) uses a site CA, set ca_file to that CA's PEM certificate"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_causes() {
        let plain = tls_cause("received corrupt message of type InvalidContentType");
        assert!(
            plain.contains("plain HTTP port") && plain.contains("http://"),
            "{plain}"
        );
        let unknown = tls_cause("invalid peer certificate: UnknownIssuer");
        assert!(
            unknown.contains("unknown certificate authority"),
            "{unknown}"
        );
        assert!(unknown.contains("ca_file"), "{unknown}");
        let other = tls_cause("received fatal alert: HandshakeFailure");
        assert!(
            other.contains("ca_file") && other.contains("not retried"),
            "{other}"
        );
    }
}
