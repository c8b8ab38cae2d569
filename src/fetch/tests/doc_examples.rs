//! One truth, everywhere: every configuration example in the README, docs/fetcher.md, the
//! man pages and the packaged config parses, and every cluster in them resolves against the
//! bundled sample page with no name matching nothing or several things.

use std::path::Path;

use crate::fetch::config;
use crate::fetch::resolve::{self, Catalog};
use crate::fetch::sources::SourceData;
use crate::fetch::sources::model::Page;
use crate::fetch::sources::statuspage::parse_page;

/// The TOML examples of a Markdown file (```toml blocks).
fn markdown_blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("```toml\n") {
        let body = &rest[at + "```toml\n".len()..];
        let end = body.find("```").expect("a closed block");
        out.push(body[..end].to_owned());
        rest = &body[end..];
    }
    out
}

/// The literal displays of a man page that are configurations (`.Bd -literal` … `.Ed`).
fn man_blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(".Bd -literal") {
        let body = &rest[at..];
        let body = &body[body.find('\n').unwrap() + 1..];
        let end = body.find("\n.Ed").expect("a closed display");
        let block = &body[..end];
        // A shell session writes its config with a here-document: that is the example.
        let block = match block.split_once("<<'END'\n") {
            Some((_, rest)) => rest.split("\nEND").next().unwrap_or(rest),
            None => block,
        };
        if block.contains("[[cluster]]") || block.contains("page = ") {
            out.push(block.replace("\\(dq", "\""));
        }
        rest = &body[end..];
    }
    out
}

/// The packaged config's commented cluster examples (`#[[cluster]]` and the `#key = …` lines
/// under it), uncommented. Its other examples are alternatives (a public or a private page, a
/// mirror), which no single config holds at once.
fn packaged_clusters(text: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("#[[cluster]]") {
            inside = true;
        } else if !line.starts_with('#') || line.trim() == "#" {
            inside = false;
        }
        if inside {
            out.push_str(&line[1..]);
            out.push('\n');
        }
    }
    out
}

fn sample_page(root: &Path) -> SourceData {
    let dir = root.join("examples/sample-page/api/v2");
    let summary = parse_page("summary", &std::fs::read(dir.join("summary.json")).unwrap())
        .expect("the sample page parses");
    let page = summary.page.clone().unwrap_or_default();
    Page {
        name: page.name,
        url: page.url,
        time_zone: page.time_zone,
        components: summary.components,
        incidents: Vec::new(),
    }
    .into_data()
}

#[test]
fn every_config_example_parses_and_resolves_against_the_sample_page() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = sample_page(root);
    let catalogs = [Catalog::of_data(&page)];
    let mut examples: Vec<(String, String)> = Vec::new();
    for file in ["README.md", "docs/fetcher.md"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for (i, b) in markdown_blocks(&text).into_iter().enumerate() {
            examples.push((format!("{file} block {}", i + 1), b));
        }
    }
    for file in [
        "packaging/man/motd-status.toml.5",
        "packaging/man/motd-status-fetch.8",
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for (i, b) in man_blocks(&text).into_iter().enumerate() {
            examples.push((format!("{file} display {}", i + 1), b));
        }
    }
    let packaged = std::fs::read_to_string(root.join("packaging/config.toml")).unwrap();
    examples.push((
        "packaging/config.toml".to_owned(),
        packaged_clusters(&packaged),
    ));
    examples.push((
        "examples/config.toml".to_owned(),
        std::fs::read_to_string(root.join("examples/config.toml")).unwrap(),
    ));
    assert!(
        examples.len() >= 8,
        "only {} examples found",
        examples.len()
    );
    let mut clusters = 0;
    for (name, text) in &examples {
        // A fragment that names no page gets one, so that it can be read as a whole config.
        let text = if ["page =", "page_id =", "mirror =", "[[source]]"]
            .iter()
            .any(|k| text.contains(k))
        {
            text.clone()
        } else {
            format!("page = \"https://status.example.org\"\n{text}")
        };
        let cfg = config::parse(Path::new("/etc/motd-status/config.toml"), &text)
            .unwrap_or_else(|e| panic!("{name} does not parse: {e}\n{text}"));
        for r in resolve::resolve_all(&cfg.clusters, &catalogs) {
            assert!(
                r.problems().is_empty(),
                "{name}: {:?} against the sample page",
                r.problems()
            );
            clusters += 1;
        }
    }
    assert!(clusters >= 4, "only {clusters} clusters checked");
}
