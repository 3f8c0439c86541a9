//! The configuration reference (`docs/operations/configuration.md`) against the sections: every
//! key the server reads is documented once, with its built-in default, and nothing else is.

use super::{DefaultValue, SECTIONS};
use std::collections::BTreeMap;

const PAGE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../docs/operations/configuration.md"
);

/// A default as the page writes it: the value in backticks, `empty`, or words that describe a
/// computed default (the host name, a path in the data directory), which the code leaves empty.
#[derive(Debug, PartialEq)]
enum Documented {
    Value(String),
    Empty,
    Described(String),
}

fn documented(cell: &str) -> Documented {
    let cell = cell.trim();
    if cell == "empty" || cell.starts_with("empty ") {
        return Documented::Empty;
    }
    match cell.strip_prefix('`').and_then(|c| c.strip_suffix('`')) {
        Some(value) if !value.contains('`') && !value.contains('<') => {
            Documented::Value(value.to_owned())
        }
        _ => Documented::Described(cell.to_owned()),
    }
}

/// Every key of the page's table with its default, as written.
fn page() -> BTreeMap<String, Documented> {
    let text = std::fs::read_to_string(PAGE).expect("the configuration reference is readable");
    let mut keys = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split(" | ").collect();
        assert!(
            cells.len() >= 3,
            "a reference row without a default: {line}"
        );
        let names: Vec<String> = cells[0]
            .trim_start_matches("| ")
            .split(", ")
            .map(|k| k.trim_matches('`').to_owned())
            .collect();
        let defaults: Vec<&str> = if names.len() == 1 {
            vec![cells[1]]
        } else {
            cells[1].split(", ").collect()
        };
        assert_eq!(
            names.len(),
            defaults.len(),
            "a row must give one default per key: {line}"
        );
        for (name, default) in names.into_iter().zip(defaults) {
            let previous = keys.insert(name.clone(), documented(default));
            assert!(previous.is_none(), "{name} is documented twice");
        }
    }
    keys
}

fn code() -> BTreeMap<String, Documented> {
    let mut keys = BTreeMap::new();
    for (section, defaults) in SECTIONS {
        for (key, value) in *defaults {
            let value = match value {
                DefaultValue::Text("") | DefaultValue::List => Documented::Empty,
                DefaultValue::Text(text) => Documented::Value((*text).to_owned()),
                DefaultValue::Number(number) => Documented::Value(number.to_string()),
                DefaultValue::Decimal(decimal) => Documented::Value(decimal.to_string()),
                DefaultValue::Flag(flag) => Documented::Value(flag.to_string()),
            };
            keys.insert(format!("{section}.{key}"), value);
        }
    }
    keys
}

#[test]
fn the_reference_page_lists_every_key_with_its_default() {
    let page = page();
    let code = code();
    let undocumented: Vec<&String> = code.keys().filter(|k| !page.contains_key(*k)).collect();
    let unknown: Vec<&String> = page.keys().filter(|k| !code.contains_key(*k)).collect();
    assert!(
        undocumented.is_empty() && unknown.is_empty(),
        "docs/operations/configuration.md: keys the server reads but the page does not list: \
         {undocumented:?}; keys the page lists but the server does not read: {unknown:?}"
    );
    for (key, default) in &code {
        match (&page[key], default) {
            // A default the page describes in words is computed at start from an empty one.
            (Documented::Described(_), Documented::Empty) => {}
            (documented, default) => assert_eq!(
                documented, default,
                "docs/operations/configuration.md gives {key} another default than the server"
            ),
        }
    }
}
