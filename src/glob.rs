//! Hostname patterns: `*` and `?`, case-insensitive, as in `/etc/hosts.allow` or ssh_config.
//!
//! A pattern without a dot is also tried against the short hostname, so `alpha-login*` matches
//! `alpha-login1.hpc.example.org` whether or not the node's hostname is fully qualified.

/// Whether `host` matches `pattern`.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if matches(pattern.as_bytes(), host.as_bytes()) {
        return true;
    }
    match host.split_once('.') {
        Some((short, _)) if !pattern.contains('.') => matches(pattern.as_bytes(), short.as_bytes()),
        _ => false,
    }
}

/// Iterative wildcard match with single-star backtracking: linear in practice, no recursion.
fn matches(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(&c) if c == b'?' || c == s[si] => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::host_matches;

    #[test]
    fn patterns() {
        assert!(host_matches("alpha-login*", "alpha-login1"));
        assert!(host_matches("alpha-login*", "ALPHA-LOGIN2.hpc.example.org"));
        assert!(host_matches("a-*.hpc.example.org", "a-17.hpc.example.org"));
        assert!(!host_matches("a-*.hpc.example.org", "a-17"));
        assert!(host_matches("node?", "node7"));
        assert!(!host_matches("node?", "node17"));
        assert!(host_matches("*", "anything"));
        assert!(!host_matches("beta*", "alpha-login1"));
        assert!(host_matches("*login*", "x-login-y.example"));
        assert!(!host_matches("", "x"));
        assert!(host_matches("a*b*c", "aXXbYYc"));
        assert!(!host_matches("a*b*c", "aXXbYY"));
    }
}
