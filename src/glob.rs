//! Hostname patterns: `*` and `?`, case-insensitive, as in `/etc/hosts.allow` or ssh_config.
//!
//! A pattern without a dot is also tried against the short hostname, so `alpha-login*` matches
//! `alpha-login1.hpc.example.org` whether or not the node's hostname is fully qualified. A
//! trailing dot (the DNS root, `a-1.example.org.`) is ignored on both sides. Only `*` and `?` are
//! wildcards; `motd-status-fetch --check` warns about patterns that look like they expect more
//! ([`pattern_problem`]).

/// Whether `host` matches `pattern`.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if matches(pattern.as_bytes(), host.as_bytes()) {
        return true;
    }
    match host.split_once('.') {
        Some((short, _)) if !pattern.contains('.') => matches(pattern.as_bytes(), short.as_bytes()),
        _ => false,
    }
}

/// Why a host pattern will not match what its writer probably meant, if it looks that way.
pub fn pattern_problem(pattern: &str) -> Option<&'static str> {
    if pattern.trim().is_empty() {
        Some("is empty and matches no host")
    } else if pattern.contains(['[', ']', '{', '}']) {
        Some("holds [ ] or { }, which are taken literally: only * and ? are wildcards")
    } else if pattern.contains(char::is_whitespace) {
        Some("holds white space, which no hostname has")
    } else {
        None
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
        // The DNS root dot, on either side.
        assert!(host_matches("a-*.hpc.example.org.", "a-17.hpc.example.org"));
        assert!(host_matches("alpha-login1.", "alpha-login1"));
        assert!(host_matches("a-*.hpc.example.org", "a-17.hpc.example.org."));
    }

    #[test]
    fn patterns_that_look_like_they_expect_more_are_named() {
        use super::pattern_problem;
        assert!(pattern_problem("node[1-4]").unwrap().contains("literally"));
        assert!(pattern_problem("login{1,2}").is_some());
        assert!(pattern_problem("a b").is_some());
        assert!(pattern_problem("").is_some());
        assert_eq!(pattern_problem("alpha-login*"), None);
        assert_eq!(pattern_problem("a-?.example.org."), None);
    }
}
