use std::path::{Path, PathBuf};
use std::time::Duration;

use super::settings::short_duration;
use super::sources::resolve_page;
use super::*;

fn p(text: &str) -> Result<Config, ConfigError> {
    parse(Path::new("/etc/motd-status/config.toml"), text)
}

#[test]
fn minimal_config_gets_defaults() {
    let c = p("page = \"https://status.example.org\"\n").unwrap();
    assert_eq!(c.sources[0].shown(), "https://status.example.org");
    assert_eq!(c.cache, PathBuf::from(cache::DEFAULT_PATH));
    assert_eq!(c.settings.recent_seconds, 2 * 86400);
    assert_eq!(c.settings.upcoming_seconds, 7 * 86400);
    assert!(c.settings.show_unscoped);
}

#[test]
fn toml_mistakes_get_plain_words() {
    let e = p("page = \"./p\"\n[cluster]\nname = \"A\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains(":2:") && e.contains("write [[cluster]]"), "{e}");
    let e = p("page = \"./p\"\npage = \"./q\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("key `page`: is set twice"), "{e}");
    let e = p("page = \"./p\"\n[login]\nmax_items = \"8\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(
            "key `max_items`: must be a whole number such as 8, without quotes, not string \"8\""
        ),
        "{e}"
    );
    let e = p("page = \"./p\"\nshow_unscoped = \"yes\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("must be true or false"), "{e}");
}

#[test]
fn motd_file_cannot_be_the_cache() {
    for text in [
        "page = \"./x\"\ncache = \"/var/cache/m/status.json\"\nmotd_file = \"/var/cache/m/./status.json\"\n",
        "page = \"./x\"\nmotd_file = \"/var/cache/motd-status/status.json\"\n",
        "page = \"./x\"\ncache = \"/c/s.json\"\nmotd_file = \"/c/.s.json.lock\"\n",
    ] {
        let e = p(text).unwrap_err().to_string();
        assert!(
            e.contains("motd_file") && e.contains("is also the cache"),
            "{e}"
        );
    }
    assert!(p("page = \"./x\"\nmotd_file = \"/run/motd-status/motd\"\n").is_ok());
}

#[test]
fn file_urls_follow_rfc_8089() {
    let base = Path::new("/etc/motd-status");
    for (page, want) in [
        ("file:///srv/page", "/srv/page"),
        ("file://localhost/srv/page", "/srv/page"),
        ("FILE://LOCALHOST/srv/page", "/srv/page"),
        ("file:/srv/page", "/srv/page"),
        ("file:///srv/status%20page/%C3%A9", "/srv/status page/é"),
        ("./sample-page", "/etc/motd-status/sample-page"),
        ("HTTPS://Status.Example.org", "https://Status.Example.org"),
        (
            "https://status.example.org/api/v2/",
            "https://status.example.org",
        ),
        ("/srv/page", "/srv/page"),
        ("https://status.example.org", "https://status.example.org"),
    ] {
        assert_eq!(
            resolve_page(base, page).map(|l| l.shown()).as_deref(),
            Ok(want),
            "{page}"
        );
    }
    for page in [
        "file://sample-page",
        "file://other.host/srv",
        "file:relative",
        "file:///a%2",
    ] {
        let e = resolve_page(base, page).unwrap_err();
        assert!(e.contains(page), "{page}: {e}");
    }
    let e = p("page = \"file://page-dir\"\n").unwrap_err().to_string();
    assert!(e.contains("page") && e.contains("local files only"), "{e}");
}

#[test]
fn errors_name_file_line_and_key() {
    let e = p("page = \"./x\"\nrecent = 5\n").unwrap_err().to_string();
    assert!(
        e.starts_with("/etc/motd-status/config.toml:2:10: key `recent`:"),
        "{e}"
    );
    let e = p("page = \"./x\"\n\nupcoming = \"soon\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("/etc/motd-status/config.toml:3:12: key `upcoming`:"),
        "{e}"
    );
    let e = p("page = \"./x\"\nshow_unscopd = true\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains(":2:") && e.contains("show_unscopd"), "{e}");
    let e = p("cache = \"/x\"\n").unwrap_err().to_string();
    assert!(
        e.contains("key `page`: is not set") && e.contains("not configured yet"),
        "{e}"
    );
    let e = p("page = \"./x\"\n[[cluster]]\nname = \"A\"\nhosts = [\"a*\"]\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains(":3:") && e.contains("names no groups"), "{e}");
    let e = p("page = \"./x\"\npage = [").unwrap_err().to_string();
    assert!(e.contains(":2"), "{e}");
}

#[test]
fn relative_paths_follow_the_config_file() {
    let c = parse(
        Path::new("/srv/conf/c.toml"),
        "page = \"./sample\"\ncache = \"out/s.json\"",
    )
    .unwrap();
    assert_eq!(c.sources[0].shown(), "/srv/conf/sample");
    assert_eq!(c.cache, PathBuf::from("/srv/conf/out/s.json"));
}

#[test]
fn private_pages_mirrors_and_network_keys() {
    let c =
        p("page_id = \"abc123\"\napi_key_file = \"key\"\nretries = 0\njitter = \"30s\"\n").unwrap();
    let SourceKind::Private(m) = &c.sources[0].kind else {
        panic!("a private page");
    };
    assert_eq!(m.api_base.as_str(), DEFAULT_API_BASE);
    assert_eq!(m.api_key_file, PathBuf::from("/etc/motd-status/key"));
    assert_eq!(
        c.sources[0].shown(),
        "https://api.statuspage.io/v1/pages/abc123"
    );
    assert_eq!((c.http.retries, c.jitter), (0, Duration::from_secs(30)));
    let c = p("page_id = \"abc123\"\napi_key_file = \"%d/api-key\"\n").unwrap();
    let SourceKind::Private(m) = &c.sources[0].kind else {
        panic!("a private page");
    };
    assert_eq!(m.api_key_file, PathBuf::from("%d/api-key"));
    let e = p("page_id = \"abc123\"\n").unwrap_err().to_string();
    assert!(e.contains("key `api_key_file`: is missing"), "{e}");
    let e = p("page = \"./x\"\npage_id = \"abc\"\napi_key_file = \"k\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("is set beside page_id"), "{e}");
    let e = p("mirror = \"https://x/status.json\"\npage = \"y\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("key `mirror`") && e.contains(":1:"), "{e}");
    let c = p("mirror = \"https://x/status.json\"\nrecent = \"1h\"\n").unwrap();
    assert!(matches!(
        c.sources[..],
        [SourceConfig {
            kind: SourceKind::Mirror(_),
            ..
        }]
    ));
    assert_eq!(c.settings_set.recent_seconds, Some(3600));
    assert_eq!(c.settings_set.upcoming_seconds, None);
    let e = p("page = \"./x\"\ntimeout = \"0s\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("key `timeout`: must be more than 0s"), "{e}");
    assert_ne!(
        p("page = \"./x\"").unwrap().digest,
        p("page = \"./y\"").unwrap().digest
    );
}

#[test]
fn overlay_lays_only_the_set_values_over_the_base() {
    let base = Settings {
        recent_seconds: 1,
        upcoming_seconds: 2,
        show_unscoped: false,
        stale_seconds: 3,
        expire_seconds: 4,
        max_items: 5,
        login: false,
        repeat: Repeat::Always,
        repeat_after_seconds: 6,
        always_show: Vec::new(),
        soon_seconds: 7,
        match_window_seconds: 8,
    };
    assert_eq!(SettingsOverlay::default().apply(&base), base);
    let some = SettingsOverlay {
        upcoming_seconds: Some(20),
        show_unscoped: Some(true),
        max_items: Some(0),
        ..SettingsOverlay::default()
    };
    assert_eq!(
        some.apply(&base),
        Settings {
            upcoming_seconds: 20,
            show_unscoped: true,
            max_items: 0,
            ..base.clone()
        }
    );
    let all = SettingsOverlay {
        recent_seconds: Some(10),
        upcoming_seconds: Some(20),
        show_unscoped: Some(true),
        stale_seconds: Some(30),
        expire_seconds: Some(40),
        max_items: Some(50),
        login: Some(true),
        repeat: Some(Repeat::Changes),
        repeat_after_seconds: Some(60),
        always_show: Some(vec!["resolved".into()]),
        soon_seconds: Some(70),
        match_window_seconds: Some(80),
    };
    let over = all.apply(&base);
    assert_eq!(
        (over.recent_seconds, over.stale_seconds, over.expire_seconds),
        (10, 30, 40)
    );
    assert_eq!(
        (over.repeat, over.repeat_after_seconds, over.soon_seconds),
        (Repeat::Changes, 60, 70)
    );
    assert_eq!(over.always_show, ["resolved"]);
    assert!(over.login && over.show_unscoped && over.max_items == 50);
}

#[test]
fn overlay_holds_what_the_file_sets_and_settings_the_resolved_values() {
    let c = p("page = \"./x\"\nupcoming = \"1d\"\nshow_unscoped = false\n\
               [login]\nenabled = false\nstale_after = \"2h\"\n")
    .unwrap();
    assert_eq!(
        c.settings_set,
        SettingsOverlay {
            upcoming_seconds: Some(86400),
            show_unscoped: Some(false),
            stale_seconds: Some(7200),
            login: Some(false),
            ..SettingsOverlay::default()
        }
    );
    assert_eq!(c.settings, c.settings_set.apply(&Settings::default()));
    assert_eq!(
        (c.settings.recent_seconds, c.settings.max_items),
        (2 * 86400, 8)
    );
    let c = p("page = \"./x\"\n[login]\n").unwrap();
    assert_eq!(c.settings_set, SettingsOverlay::default());
    assert_eq!(c.settings, Settings::default());
}

#[test]
fn stale_after_must_be_shorter_than_expire_after() {
    let login = |keys: &str| p(&format!("page = \"./x\"\n[login]\n{keys}")).map(|c| c.settings);
    let e = |keys: &str| login(keys).unwrap_err().to_string();
    // Equal, however spelt.
    assert_eq!(
        e("expire_after = \"168h\"\nstale_after = \"7d\"\n"),
        "/etc/motd-status/config.toml:4:15: key `login.stale_after`: \"7d\" must be shorter \
         than login.expire_after (\"168h\")"
    );
    // Longer.
    assert_eq!(
        e("stale_after = \"8d\"\nexpire_after = \"7d\"\n"),
        "/etc/motd-status/config.toml:3:15: key `login.stale_after`: \"8d\" must be shorter \
         than login.expire_after (\"7d\")"
    );
    // Only stale_after set, against expire_after's default (7d).
    assert_eq!(
        e("stale_after = \"7d\"\n"),
        "/etc/motd-status/config.toml:3:15: key `login.stale_after`: \"7d\" must be shorter \
         than login.expire_after (the default \"7d\")"
    );
    assert_eq!(
        login("stale_after = \"6d\"\n").unwrap().stale_seconds,
        6 * 86400
    );
    // Only expire_after set, against stale_after's default (1h): the error points at it.
    assert_eq!(
        e("max_items = 3\nexpire_after = \"30min\"\n"),
        "/etc/motd-status/config.toml:4:16: key `login.expire_after`: \"30min\" must be \
         longer than login.stale_after (the default \"1h\")"
    );
    assert!(e("expire_after = \"1h\"\n").contains("must be longer"));
    assert_eq!(
        login("expire_after = \"61min\"\n").unwrap().expire_seconds,
        3660
    );
    // Both set, in order; and the defaults.
    let s = login("stale_after = \"59min\"\nexpire_after = \"1h\"\n").unwrap();
    assert_eq!((s.stale_seconds, s.expire_seconds), (3540, 3600));
    assert!(login("").is_ok());
    // A mirror's config is checked too.
    let m = p("mirror = \"https://x/status.json\"\n[login]\nstale_after = \"8d\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        m.contains(":3:15: key `login.stale_after`: \"8d\" must be shorter"),
        "{m}"
    );
    // A malformed duration is still reported as such, before any comparison.
    let bad = e("stale_after = \"soon\"\nexpire_after = \"1s\"\n");
    assert!(
        bad.contains(":3:15: key `login.stale_after`: \"soon\" is not a duration"),
        "{bad}"
    );
}

#[test]
fn short_duration_uses_the_largest_exact_unit() {
    let all = [0, 45, 90, 5400, 3600, 7 * 86400, 86400 + 1].map(short_duration);
    assert_eq!(all, ["0s", "45s", "90s", "90min", "1h", "7d", "86401s"]);
}

#[test]
fn login_folding_keys_are_checked_where_they_are_written() {
    let c = p(
        "page = \"./x\"\n[login]\nrepeat = \"always\"\nrepeat_after = \"12h\"\n\
               always_show = [\"major\", \"component\", \"major\"]\nsoon = \"2h\"\n",
    )
    .unwrap();
    assert_eq!(c.settings.repeat, Repeat::Always);
    assert_eq!(c.settings.repeat_after_seconds, 12 * 3600);
    assert_eq!(c.settings.always_show, ["major", "component"]);
    assert_eq!(c.settings.soon_seconds, 7200);
    for (text, says) in [
        (
            "repeat = \"sometimes\"",
            ":3:10: key `login.repeat`: \"sometimes\" is neither",
        ),
        (
            "repeat_after = \"0s\"",
            ":3:16: key `login.repeat_after`: \"0s\" must be more than 0",
        ),
        (
            "always_show = [\"critical\", \"urgent\"]",
            ":3:28: key `login.always_show`: \"urgent\" is not one of critical, major,",
        ),
        ("soon = \"tomorrow\"", ":3:8: key `login.soon`"),
    ] {
        let e = p(&format!("page = \"./x\"\n[login]\n{text}\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains(says), "{text}: {e}");
    }
}

#[test]
fn a_notices_file_as_a_source() {
    let c = p(
        "[[source]]\nname = \"Notices\"\nnotices = \"./notices.toml\"\n\
               [[cluster]]\nname = \"Alpha\"\nhosts = [\"alpha-*\"]\n",
    )
    .unwrap();
    let [source] = &c.sources[..] else {
        panic!("one source: {:?}", c.sources);
    };
    assert!(matches!(
        &source.kind,
        SourceKind::Notices(Location::Local(p)) if p == Path::new("/etc/motd-status/notices.toml")
    ));
    assert_eq!(source.label(), "Notices");
    assert!(source.owns("/etc/motd-status/notices.toml"));
    // A cluster that names nothing is known to the notices by its name.
    assert_eq!(c.clusters[0].name, "Alpha");
    for (written, want) in [
        (
            "https://www.example.org/notices.json",
            "https://www.example.org/notices.json",
        ),
        ("file:///srv/notices.toml", "/srv/notices.toml"),
        ("/srv/notices.json", "/srv/notices.json"),
    ] {
        let c = p(&format!(
            "page = \"./p\"\n[[source]]\nnotices = {written:?}\n"
        ))
        .unwrap();
        assert_eq!(c.sources[1].shown(), want);
        assert!(matches!(c.sources[1].kind, SourceKind::Notices(_)));
    }
    for (beside, key) in [
        ("page = \"https://status.example.org\"", "page"),
        ("page_id = \"abc123\"\napi_key_file = \"k\"", "page_id"),
        ("api_key_file = \"k\"", "api_key_file"),
    ] {
        let e = p(&format!("[[source]]\n{beside}\nnotices = \"./n.toml\"\n"))
            .unwrap_err()
            .to_string();
        let line = beside.lines().count() + 2;
        assert!(
            e.starts_with(&format!(
                "/etc/motd-status/config.toml:{line}:11: key `source.notices`: is set beside {key}:"
            )),
            "{e}"
        );
    }
    let e = p("[[source]]\nnotices = \"notices.toml\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(":2:11: key `source.notices`") && e.contains("./notices.toml"),
        "{e}"
    );
    let e = p("[[source]]\nnotices = \" \"\n").unwrap_err().to_string();
    assert!(e.contains("key `source.notices`: is empty"), "{e}");
    // Without a notices file, a cluster must still name something of a page.
    let e = p("page = \"./p\"\n[[cluster]]\nname = \"A\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("names no groups and no components"), "{e}");
}
