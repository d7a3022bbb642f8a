//! `--jq EXPR`, built in (jaq). Strings print raw, like `gh --jq`; everything else as JSON.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{data, unwrap_valr, Compiler, Ctx, Vars};
use jaq_json::Val;

use crate::exit::usage;

/// jq's `@csv` and `@tsv`, which jaq's standard library leaves out; written in jq itself so they
/// run on jaq's own values. As in jq: strings quoted (CSV) or escaped (TSV), numbers and booleans
/// as JSON, null empty, and anything else (an array in the row, an object) an error.
const JK_DEFS: &str = r#"
def @csv:
  if isarray then
    map(if isstring then "\"" + ([explode[] | if . == 34 then 34, 34 else . end] | implode) + "\""
        elif . == null then ""
        elif isarray or isobject then error("cannot be csv-formatted, only scalars in a row can be: \(tojson)")
        else tojson end)
    | join(",")
  else error("cannot be csv-formatted, only an array can be: \(tojson)") end;
def @tsv:
  if isarray then
    map(if isstring then [explode[] | if . == 92 then 92, 92 elif . == 9 then 92, 116
                                      elif . == 10 then 92, 110 elif . == 13 then 92, 114 else . end] | implode
        elif . == null then ""
        elif isarray or isobject then error("cannot be tsv-formatted, only scalars in a row can be: \(tojson)")
        else tojson end)
    | join("\t")
  else error("cannot be tsv-formatted, only an array can be: \(tojson)") end;
"#;

fn jk_defs() -> impl Iterator<Item = jaq_core::load::parse::Def<&'static str>> {
    // Parsed from a constant the tests run; an empty set would only lose @csv/@tsv.
    jaq_core::load::parse(JK_DEFS, |p| p.defs())
        .unwrap_or_default()
        .into_iter()
}

pub fn run(filter: &str, input: &serde_json::Value) -> anyhow::Result<Vec<String>> {
    let text = serde_json::to_vec(input)?;
    let input = jaq_json::read::parse_single(&text).map_err(|e| anyhow::anyhow!("--jq input: {e}"))?;
    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs())
        .chain(jk_defs());
    let funs = jaq_core::funs().chain(jaq_std::funs()).chain(jaq_json::funs());
    let loader = Loader::new(defs);
    let arena = Arena::default();
    let program = File {
        code: filter,
        path: (),
    };
    let modules = loader
        .load(&arena, program)
        .map_err(|errs| usage(format!("--jq: cannot parse {filter:?} ({} error(s))", errs.len())))?;
    let compiled = Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errs| {
            usage(format!(
                "--jq: cannot compile {filter:?} ({} error(s))",
                errs.len()
            ))
        })?;
    let ctx = Ctx::<data::JustLut<Val>>::new(&compiled.lut, Vars::new([]));
    let mut lines = Vec::new();
    for out in compiled.id.run((ctx, input)).map(unwrap_valr) {
        let v = out.map_err(|e| anyhow::anyhow!("--jq: {e}"))?;
        lines.push(match &v {
            Val::TStr(_) => {
                // A string prints raw: decode it from its JSON form.
                let json = v.to_string();
                serde_json::from_str::<String>(&json).unwrap_or(json)
            }
            _ => v.to_string(),
        });
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn filters_print_strings_raw_and_values_as_json() {
        let v = json!([{"key": "A-1", "n": 2}, {"key": "A-2", "n": 3}]);
        assert_eq!(super::run(".[].key", &v).unwrap(), vec!["A-1", "A-2"]);
        assert_eq!(super::run("map(.n) | add", &v).unwrap(), vec!["5"]);
        assert_eq!(super::run("length", &json!([])).unwrap(), vec!["0"]);
        assert!(super::run(".[", &v).is_err());
    }

    #[test]
    fn jk_defs_parse() {
        assert_eq!(super::jk_defs().count(), 2);
    }

    #[test]
    fn formats_work_as_in_jq() {
        let v = json!([{"key": "A-1", "summary": "say \"hi\", then\tgo", "n": 2, "x": null, "ok": true}]);
        let run = |f: &str| super::run(f, &v).unwrap();
        assert_eq!(
            run(".[] | [.key, .summary, .n, .x, .ok] | @csv"),
            vec![r#""A-1","say ""hi"", then	go",2,,true"#]
        );
        assert_eq!(
            run(".[] | [.key, .summary, .n, .x, .ok] | @tsv"),
            vec!["A-1\tsay \"hi\", then\\tgo\t2\t\ttrue"]
        );
        assert_eq!(run(r#"[.[0].key, "a\\b\nc"] | @tsv"#), vec!["A-1\ta\\\\b\\nc"]);
        assert_eq!(run(".[0] | {key} | @json"), vec![r#"{"key":"A-1"}"#]);
        assert_eq!(run(".[0].n | @text"), vec!["2"]);
        assert_eq!(run(".[0].key | @base64"), vec!["QS0x"]);
        assert_eq!(run(".[0].key | @base64 | @base64d"), vec!["A-1"]);
        assert_eq!(run(r#".[0] | @base64 "k=\(.key)""#), vec!["k=QS0x"]);
        assert_eq!(run(r#".[0] | @csv "\([.key, .n])""#), vec![r#""A-1",2"#]);
        assert_eq!(run(".[0].summary | @sh"), vec![r#"'say "hi", then	go'"#]);
        assert_eq!(run(r#""a b&c" | @uri"#), vec!["a%20b%26c"]);
        assert_eq!(run(r#""<b>" | @html"#), vec!["&lt;b&gt;"]);
        // Rows that are not arrays, or hold objects, fail as they do in jq.
        assert!(super::run("{} | @csv", &v).is_err());
        assert!(super::run("[{}] | @tsv", &v).is_err());
    }
}
