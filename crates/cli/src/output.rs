//! Output: a table on a terminal, tab-separated when piped, `--json [fields]`, `--jq`, `--csv`.
//! Data goes to stdout, messages to stderr.

use std::io::{IsTerminal, Write};

use serde_json::{Map, Value};

use crate::exit::usage;

/// One printable thing: a JSON object whose keys are the fields `--json` offers.
pub type Record = Map<String, Value>;

/// How the user asked for output.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// `None`: human; `Some([])`: every field (`--json all`); `Some(fields)`: those.
    pub json: Option<Vec<String>>,
    pub jq: Option<String>,
    pub csv: bool,
    /// A terminal on stdout: tables and colour-free alignment; otherwise tab-separated.
    pub tty: bool,
}

impl Output {
    /// `--json all` (or `'*'`) asks for every field.
    pub fn new(json: Option<String>, jq: Option<String>, csv: bool) -> Output {
        let json = json.map(|f| {
            let fields: Vec<String> = f
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if fields.iter().any(|s| s == "all" || s == "*") {
                Vec::new()
            } else {
                fields
            }
        });
        let forced = std::env::var("JK_FORCE_TTY").is_ok_and(|v| v == "1");
        Output {
            json,
            jq,
            csv,
            tty: forced || std::io::stdout().is_terminal(),
        }
    }

    /// Whether the caller wants machine output (JSON or a jq filter).
    pub fn machine(&self) -> bool {
        self.json.is_some() || self.jq.is_some()
    }

    /// Keeps the asked fields, in the asked order; an unknown one is a usage error naming the rest.
    fn select(&self, rec: &Record, available: &[&str]) -> anyhow::Result<Value> {
        match &self.json {
            Some(fields) if !fields.is_empty() => {
                let mut out = Map::new();
                for f in fields {
                    if !available.contains(&f.as_str()) && !rec.contains_key(f) {
                        return Err(usage(format!(
                            "unknown JSON field {f:?}; available fields:\n  {}",
                            available.join("\n  ")
                        )));
                    }
                    out.insert(f.clone(), rec.get(f).cloned().unwrap_or(Value::Null));
                }
                Ok(Value::Object(out))
            }
            _ => Ok(Value::Object(rec.clone())),
        }
    }

    fn emit_json(&self, v: Value) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        match &self.jq {
            Some(filter) => {
                for line in crate::jq::run(filter, &v)? {
                    writeln!(out, "{line}")?;
                }
            }
            None => {
                serde_json::to_writer_pretty(&mut out, &v)?;
                writeln!(out)?;
            }
        }
        Ok(())
    }

    /// A list: JSON array, CSV, a table or tab-separated rows.
    pub fn list(
        &self,
        records: &[Record],
        columns: &[(&str, &str)],
        available: &[&str],
    ) -> anyhow::Result<()> {
        if self.machine() {
            let items = records
                .iter()
                .map(|r| self.select(r, available))
                .collect::<anyhow::Result<Vec<_>>>()?;
            return self.emit_json(Value::Array(items));
        }
        let rows: Vec<Vec<String>> = records
            .iter()
            .map(|r| columns.iter().map(|(_, k)| cell(r.get(*k))).collect())
            .collect();
        let mut out = std::io::stdout().lock();
        if self.csv {
            let header: Vec<String> = columns.iter().map(|(_, k)| (*k).to_owned()).collect();
            writeln!(out, "{}", csv_row(&header))?;
            for row in &rows {
                writeln!(out, "{}", csv_row(row))?;
            }
        } else if self.tty {
            if rows.is_empty() {
                eprintln!("no results");
                return Ok(());
            }
            let mut t = comfy_table::Table::new();
            t.load_preset(comfy_table::presets::NOTHING);
            t.set_header(columns.iter().map(|(h, _)| *h));
            for row in rows {
                t.add_row(row);
            }
            for col in t.column_iter_mut() {
                col.set_padding((0, 2));
            }
            let text = t.to_string();
            for line in text.lines() {
                writeln!(out, "{}", line.trim_end())?;
            }
        } else {
            for row in rows {
                let clean: Vec<String> = row.iter().map(|c| c.replace(['\t', '\n'], " ")).collect();
                writeln!(out, "{}", clean.join("\t"))?;
            }
        }
        Ok(())
    }

    /// One object: JSON, or the human rendering `human` writes.
    pub fn one(
        &self,
        rec: &Record,
        available: &[&str],
        human: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> anyhow::Result<()> {
        if self.machine() {
            return self.emit_json(self.select(rec, available)?);
        }
        let mut out = std::io::stdout().lock();
        human(&mut out)?;
        Ok(())
    }

    /// A JSON value printed as it is (the `api` command), through `--jq` if given.
    pub fn raw(&self, v: Value) -> anyhow::Result<()> {
        self.emit_json(v)
    }
}

/// A table cell: strings as they are, lists joined with commas, null as empty.
pub fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a.iter().map(|x| cell(Some(x))).collect::<Vec<_>>().join(","),
        Some(other) => other.to_string(),
    }
}

/// One RFC 4180 row.
pub fn csv_row(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| {
            if c.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A message for people, on stderr.
pub fn note(msg: impl std::fmt::Display) {
    eprintln!("{msg}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_what_needs_it() {
        let row = csv_row(&["A-1".into(), "say \"hi\", then go".into(), "x\ny".into()]);
        assert_eq!(row, "A-1,\"say \"\"hi\"\", then go\",\"x\ny\"");
    }

    #[test]
    fn unknown_json_fields_are_a_usage_error_listing_the_fields() {
        let o = Output::new(Some("key,nope".into()), None, false);
        let mut r = Record::new();
        r.insert("key".into(), Value::String("A-1".into()));
        let e = o.select(&r, &["key", "summary"]).unwrap_err();
        assert_eq!(crate::exit::code_for(&e), crate::exit::USAGE);
        assert!(e.to_string().contains("summary"), "{e}");
        let o = Output::new(Some("key".into()), None, false);
        assert_eq!(o.select(&r, &["key"]).unwrap(), serde_json::json!({"key": "A-1"}));
    }
}
