//! Property tests: the parser never panics, printed trees parse back, builder output parses
//! back. Failures are kept in `tests/proptest-regressions/` (commit them).

use jirakit_jql::{
    function, parse, Clause, Direction, Field, HistoryPredicate, Jql, Operand, Operator, OrderKey,
    PredicateKind, Query, Span, Term, Value,
};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/proptest-regressions/roundtrip.txt",
        ))),
        ..ProptestConfig::default()
    }
}

/// Characters that stress quoting and escaping.
fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::char::range('a', 'z'),
        1 => prop::sample::select(vec![
            ' ', '"', '\'', '\\', '(', ')', ',', '[', ']', '=', '!', '~', '<', '>', '&', '|', '%',
            '*', '.', '-', '_', '\n', '\t', '\r', '\u{0}', '\u{7f}', '\u{85}', '\u{fdd0}',
            '\u{fffe}', 'é', '日', '😀', '0', '9',
        ]),
        1 => any::<char>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(tricky_char(), 0..8).prop_map(String::from_iter),
        1 => prop::sample::select(vec![
            "and", "OR", "not", "in", "is", "was", "changed", "empty", "NULL", "order", "by",
            "asc", "desc", "after", "before", "on", "during", "from", "to", "cf", "select", "as",
            "123", "-7", "ABC-1", "-1d", "2024-01-31",
        ])
        .prop_map(str::to_owned),
    ]
}

fn non_empty_text() -> impl Strategy<Value = String> {
    text().prop_filter("non-empty", |s| !s.is_empty())
}

fn field() -> impl Strategy<Value = Field> {
    let segment = non_empty_text().prop_map(|s| s.replace('.', "_"));
    prop_oneof![
        4 => non_empty_text().prop_map(Field::Name),
        1 => (0..=i64::MAX as u64).prop_map(Field::CustomId),
        1 => (non_empty_text(), non_empty_text(), prop::collection::vec(segment, 0..3))
            .prop_map(|(entity, key, path)| Field::Property { entity, key, path }),
    ]
}

fn value() -> impl Strategy<Value = Operand> {
    prop_oneof![
        text().prop_map(|text| Value {
            text,
            quoted: true,
            span: Span::default()
        }),
        any::<i64>().prop_map(|n| Value {
            text: n.to_string(),
            quoted: false,
            span: Span::default()
        }),
    ]
    .prop_map(Operand::Value)
}

fn call() -> impl Strategy<Value = Operand> {
    (non_empty_text(), prop::collection::vec(text(), 0..3)).prop_map(|(name, args)| function(name, args))
}

fn empty() -> impl Strategy<Value = Operand> {
    Just(Operand::Empty(Span::default()))
}

fn any_operand() -> impl Strategy<Value = Operand> {
    let leaf = prop_oneof![value(), call(), empty()];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop::collection::vec(inner, 1..4).prop_map(|items| Operand::List(items, Span::default()))
    })
}

fn list() -> impl Strategy<Value = Operand> {
    prop::collection::vec(any_operand(), 1..4).prop_map(|items| Operand::List(items, Span::default()))
}

fn predicate(changed: bool) -> impl Strategy<Value = HistoryPredicate> {
    let single = (0..if changed { 6 } else { 4 }, any_operand()).prop_map(|(which, o)| match which {
        0 => PredicateKind::After(o),
        1 => PredicateKind::Before(o),
        2 => PredicateKind::On(o),
        3 => PredicateKind::By(o),
        4 => PredicateKind::From(o),
        _ => PredicateKind::To(o),
    });
    let during = (any_operand(), any_operand()).prop_map(|(a, b)| PredicateKind::During(a, b));
    prop_oneof![4 => single, 1 => during].prop_map(|kind| HistoryPredicate {
        kind,
        span: Span::default(),
    })
}

fn term() -> impl Strategy<Value = Term> {
    let equality = (
        prop::sample::select(vec![
            Operator::Eq,
            Operator::NotEq,
            Operator::Like,
            Operator::NotLike,
        ]),
        prop_oneof![value(), call(), empty()],
    )
        .prop_map(|(op, o)| (op, Some(o), Vec::new()));
    let comparison = (
        prop::sample::select(vec![Operator::Gt, Operator::GtEq, Operator::Lt, Operator::LtEq]),
        prop_oneof![value(), call()],
    )
        .prop_map(|(op, o)| (op, Some(o), Vec::new()));
    let membership = (
        prop::sample::select(vec![Operator::In, Operator::NotIn]),
        prop_oneof![list(), call()],
    )
        .prop_map(|(op, o)| (op, Some(o), Vec::new()));
    let is = prop::sample::select(vec![Operator::Is, Operator::IsNot])
        .prop_map(|op| (op, Some(Operand::Empty(Span::default())), Vec::new()));
    let was = (
        prop::sample::select(vec![Operator::Was, Operator::WasNot]),
        prop_oneof![value(), call(), empty()],
        prop::collection::vec(predicate(false), 0..3),
    )
        .prop_map(|(op, o, p)| (op, Some(o), p));
    let was_in = (
        prop::sample::select(vec![Operator::WasIn, Operator::WasNotIn]),
        prop_oneof![list(), call()],
        prop::collection::vec(predicate(false), 0..3),
    )
        .prop_map(|(op, o, p)| (op, Some(o), p));
    let changed = prop::collection::vec(predicate(true), 0..3).prop_map(|p| (Operator::Changed, None, p));
    (
        field(),
        prop_oneof![equality, comparison, membership, is, was, was_in, changed],
    )
        .prop_map(|(field, (op, operand, predicates))| Term {
            field,
            op,
            operand,
            predicates,
            span: Span::default(),
        })
}

fn clause() -> impl Strategy<Value = Clause> {
    term().prop_map(Clause::Term).prop_recursive(4, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|c| Clause::And(c, Span::default())),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|c| Clause::Or(c, Span::default())),
            inner.prop_map(|c| Clause::Not(Box::new(c), Span::default())),
        ]
    })
}

fn query() -> impl Strategy<Value = Query> {
    let key = (
        field(),
        prop::option::of(prop::sample::select(vec![Direction::Asc, Direction::Desc])),
    )
        .prop_map(|(field, direction)| OrderKey {
            field,
            direction,
            span: Span::default(),
        });
    (prop::option::of(clause()), prop::collection::vec(key, 0..3)).prop_map(|(clause, order_by)| Query {
        clause,
        order_by,
        span: Span::default(),
    })
}

/// Token soup that reaches deep into the parser more often than random text does.
fn jql_like() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        "a",
        "\"Story Points\"",
        "=",
        "!=",
        "<=",
        ">",
        "~",
        "!~",
        "(",
        ")",
        ",",
        "and",
        "&&",
        "or",
        "|",
        "not",
        "!",
        "in",
        "is",
        "was",
        "changed",
        "empty",
        "null",
        "order",
        "by",
        "asc",
        "desc",
        "after",
        "before",
        "on",
        "during",
        "from",
        "to",
        "cf",
        "[",
        "]",
        "10010",
        "-1",
        "-1d",
        "f()",
        "g(x,",
        "'x'",
        "\"",
        "'",
        "\\",
        "\\u00",
        "%",
        "select",
        "issue.property",
        ".p.q",
        "\n",
        "é",
        "\u{7f}",
    ]);
    prop::collection::vec(token, 0..16).prop_map(|tokens| tokens.join(" "))
}

fn check_input(input: &str) -> Result<(), TestCaseError> {
    match parse(input) {
        Ok(query) => {
            let printed = query.to_string();
            let reparsed = parse(&printed).map_err(|e| TestCaseError::fail(e.render(&printed)))?;
            prop_assert!(
                reparsed.eq_ignoring_spans(&query),
                "{input:?} printed as {printed:?}"
            );
        }
        Err(error) => {
            let rendered = error.render(input);
            prop_assert!(rendered.starts_with("Error in the JQL Query: "));
            prop_assert!(error.span.start <= input.len() && error.span.end <= input.len());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn arbitrary_strings_never_panic_the_parser(input in any::<String>()) {
        check_input(&input)?;
    }

    #[test]
    fn jql_like_token_soup_never_panics_and_what_parses_round_trips(input in jql_like()) {
        check_input(&input)?;
    }

    #[test]
    fn generated_trees_print_and_parse_back_to_the_same_tree(query in query()) {
        let printed = query.to_string();
        let reparsed = parse(&printed).map_err(|e| TestCaseError::fail(e.render(&printed)))?;
        prop_assert!(reparsed.eq_ignoring_spans(&query), "printed: {printed}\n{query:#?}\n{reparsed:#?}");
        prop_assert_eq!(reparsed.to_string(), printed);
    }

    #[test]
    fn builder_output_parses_back_whatever_the_strings(
        name in non_empty_text(),
        value in text(),
        items in prop::collection::vec(text(), 1..4),
        number in any::<i64>(),
        direction in prop::sample::select(vec![Direction::Asc, Direction::Desc]),
    ) {
        let jql = Jql::field(name.clone()).eq(value.as_str())
            .or(Jql::field(name.clone()).in_(items.clone()).and(!Jql::field(name.clone()).gt(number)))
            .and(Jql::field(name.clone()).was_not_in(items).by(value.as_str()).during(value.as_str(), number))
            .order_by(name, direction);
        let text = jql.to_jql().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let parsed = parse(&text).map_err(|e| TestCaseError::fail(e.render(&text)))?;
        let built = jql.build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(parsed.eq_ignoring_spans(&built), "{text}");
    }
}
