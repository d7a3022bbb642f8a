//! `--jq EXPR`, built in (jaq). Strings print raw, like `gh --jq`; everything else as JSON.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{data, unwrap_valr, Compiler, Ctx, Vars};
use jaq_json::Val;

use crate::exit::usage;

pub fn run(filter: &str, input: &serde_json::Value) -> anyhow::Result<Vec<String>> {
    let text = serde_json::to_vec(input)?;
    let input = jaq_json::read::parse_single(&text).map_err(|e| anyhow::anyhow!("--jq input: {e}"))?;
    let defs = jaq_core::defs().chain(jaq_std::defs()).chain(jaq_json::defs());
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
}
