//! A small, strict parser for the Prometheus text exposition format (version 0.0.4), to
//! read `GET /metrics` answers.

use std::collections::{BTreeMap, HashMap, HashSet};

/// One sample line: `name{labels} value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// A whole exposition: the samples in order, and each family's `TYPE` and `HELP`.
#[derive(Debug, Default)]
pub struct Exposition {
    pub samples: Vec<Sample>,
    pub types: HashMap<String, String>,
    pub helps: HashMap<String, String>,
}

impl Exposition {
    /// The value of the one series `name` with exactly `labels`.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.samples
            .iter()
            .find(|s| s.name == name && s.labels == wanted)
            .map(|s| s.value)
    }

    /// The value of the one series `name` with exactly `labels`; panics when there is none.
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(name, labels)
            .unwrap_or_else(|| panic!("no series {name}{labels:?} in {:#?}", self.samples))
    }
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

fn valid_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with("__")
}

/// A sample value: a Go float, `+Inf`, `-Inf` or `NaN`.
fn parse_value(text: &str) -> Result<f64, String> {
    match text {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ if text
            .chars()
            .all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) =>
        {
            text.parse::<f64>()
                .map_err(|error| format!("bad value {text:?}: {error}"))
        }
        _ => Err(format!("bad value {text:?}")),
    }
}

/// `{k="v",...}` at the start of `rest`; returns the labels and what follows.
fn parse_labels(rest: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut labels = BTreeMap::new();
    let mut rest = rest.strip_prefix('{').ok_or("expected '{'")?;
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((labels, after));
        }
        let eq = rest.find('=').ok_or("label without '='")?;
        let name = &rest[..eq];
        if !valid_label_name(name) {
            return Err(format!("bad label name {name:?}"));
        }
        rest = rest[eq + 1..]
            .strip_prefix('"')
            .ok_or("label value not quoted")?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next() {
                None => return Err("unterminated label value".into()),
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => return Err(format!("bad escape {other:?}")),
                },
                Some((_, '\n')) => return Err("newline in label value".into()),
                Some((_, c)) => value.push(c),
            }
        };
        if labels.insert(name.to_owned(), value).is_some() {
            return Err(format!("label {name:?} twice"));
        }
        rest = &rest[end + 1..];
        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
        } else if !rest.starts_with('}') {
            return Err("expected ',' or '}' after a label".into());
        }
    }
}

/// The family a sample belongs to, given the declared types (`x_bucket` of histogram `x`).
fn family_of<'a>(name: &'a str, types: &HashMap<String, String>) -> &'a str {
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(base) = name.strip_suffix(suffix) {
            let kind = types.get(base).map(String::as_str);
            let fits = match suffix {
                "_bucket" => kind == Some("histogram"),
                _ => matches!(kind, Some("histogram" | "summary")),
            };
            if fits {
                return base;
            }
        }
    }
    name
}

/// Parse a text exposition strictly: every line must be a comment, blank or a valid
/// sample; `TYPE` comes once per family, before its samples; a family's samples are
/// contiguous; no series appears twice; histograms are cumulative and end in `+Inf`.
pub fn parse(text: &str) -> Result<Exposition, String> {
    let mut exposition = Exposition::default();
    let mut seen_series = HashSet::new();
    let mut finished_families = HashSet::new();
    let mut current_family: Option<String> = None;
    if !text.is_empty() && !text.ends_with('\n') {
        return Err("exposition does not end with a newline".into());
    }
    for (number, line) in text.lines().enumerate() {
        let context = |error: String| format!("line {}: {error}: {line:?}", number + 1);
        if line.trim().is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let mut words = comment.trim_start().splitn(3, ' ');
            let keyword = words.next().unwrap_or("");
            if keyword != "HELP" && keyword != "TYPE" {
                continue; // a plain comment
            }
            let name = words
                .next()
                .ok_or_else(|| context("no metric name".into()))?;
            if !valid_metric_name(name) {
                return Err(context(format!("bad metric name {name:?}")));
            }
            let rest = words.next().unwrap_or("");
            if finished_families.contains(name) || current_family.as_deref() == Some(name) {
                let started = exposition
                    .samples
                    .iter()
                    .any(|s| family_of(&s.name, &exposition.types) == name);
                if started {
                    return Err(context(format!("{keyword} after samples of {name}")));
                }
            }
            let map = if keyword == "HELP" {
                &mut exposition.helps
            } else {
                if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&rest) {
                    return Err(context(format!("bad type {rest:?}")));
                }
                &mut exposition.types
            };
            if map.insert(name.to_owned(), rest.to_owned()).is_some() {
                return Err(context(format!("second {keyword} for {name}")));
            }
            continue;
        }
        let name_end = line
            .find(|c: char| !is_name_char(c))
            .ok_or_else(|| context("sample without a value".into()))?;
        let name = &line[..name_end];
        if !valid_metric_name(name) {
            return Err(context(format!("bad metric name {name:?}")));
        }
        let (labels, rest) = if line[name_end..].starts_with('{') {
            parse_labels(&line[name_end..]).map_err(context)?
        } else {
            (BTreeMap::new(), &line[name_end..])
        };
        let rest = rest
            .strip_prefix(' ')
            .ok_or_else(|| context("no space before the value".into()))?;
        let mut fields = rest.split(' ');
        let value = parse_value(fields.next().unwrap_or("")).map_err(context)?;
        if let Some(timestamp) = fields.next() {
            timestamp
                .parse::<i64>()
                .map_err(|_| context(format!("bad timestamp {timestamp:?}")))?;
        }
        if fields.next().is_some() {
            return Err(context("trailing fields".into()));
        }
        let family = family_of(name, &exposition.types).to_owned();
        if current_family.as_deref() != Some(&family) {
            if finished_families.contains(&family) {
                return Err(context(format!("samples of {family} are not contiguous")));
            }
            if let Some(done) = current_family.replace(family.clone()) {
                finished_families.insert(done);
            }
        }
        if !seen_series.insert((name.to_owned(), format!("{labels:?}"))) {
            return Err(context("series appears twice".into()));
        }
        exposition.samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    check_histograms(&exposition)?;
    Ok(exposition)
}

/// Every histogram series: buckets cumulative, a `+Inf` bucket equal to `_count`.
fn check_histograms(exposition: &Exposition) -> Result<(), String> {
    for (family, _) in exposition.types.iter().filter(|(_, t)| *t == "histogram") {
        let bucket_name = format!("{family}_bucket");
        let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
        for sample in exposition.samples.iter().filter(|s| s.name == bucket_name) {
            let mut labels = sample.labels.clone();
            let le = labels
                .remove("le")
                .ok_or_else(|| format!("{bucket_name} without le"))?;
            let le = parse_value(&le)?;
            series
                .entry(format!("{labels:?}"))
                .or_default()
                .push((le, sample.value));
        }
        for (labels, buckets) in series {
            let mut last = (f64::NEG_INFINITY, 0.0);
            for &(le, count) in &buckets {
                if le <= last.0 || count < last.1 {
                    return Err(format!(
                        "{family}{labels} buckets not cumulative: {buckets:?}"
                    ));
                }
                last = (le, count);
            }
            if last.0 != f64::INFINITY {
                return Err(format!("{family}{labels} has no +Inf bucket"));
            }
            let count = exposition
                .samples
                .iter()
                .find(|s| {
                    s.name == format!("{family}_count") && format!("{:?}", s.labels) == labels
                })
                .ok_or_else(|| format!("{family}{labels} has no _count"))?;
            if count.value != last.1 {
                return Err(format!(
                    "{family}{labels}: +Inf bucket {} != count {}",
                    last.1, count.value
                ));
            }
        }
    }
    Ok(())
}
