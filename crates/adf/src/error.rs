use std::fmt;

/// Why a JSON value is not an ADF document, and where: `path` is the JSON path of the bad node
/// (`$.content[2].content[0]`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid ADF at {path}: {kind}")]
pub struct AdfError {
    path: String,
    kind: AdfErrorKind,
}

impl AdfError {
    pub(crate) fn new(path: &Path<'_>, kind: AdfErrorKind) -> AdfError {
        AdfError {
            path: path.to_string(),
            kind,
        }
    }

    /// The JSON path of the node at fault, like `$.content[0].content[1]`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong there.
    pub fn kind(&self) -> &AdfErrorKind {
        &self.kind
    }
}

/// What is wrong with a node.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AdfErrorKind {
    #[error("expected a JSON object")]
    NotAnObject,
    #[error("the top-level node must have type \"doc\", found {0}")]
    NotADoc(String),
    #[error("unsupported version {0}, expected 1")]
    Version(String),
    #[error("missing \"{0}\"")]
    Missing(&'static str),
    #[error("\"{field}\" must be {expected}")]
    WrongType {
        field: &'static str,
        expected: &'static str,
    },
    #[error("a \"{found}\" node is not allowed here, expected {expected}")]
    Misplaced { found: String, expected: &'static str },
    #[error("{0}")]
    Invalid(&'static str),
    #[error("nodes are nested deeper than {0} levels")]
    TooDeep(usize),
}

/// A JSON path built as the validator descends, rendered only when an error needs it.
#[derive(Clone, Copy)]
pub(crate) enum Path<'a> {
    Root,
    Content(&'a Path<'a>, usize),
}

impl Path<'_> {
    pub(crate) fn depth(&self) -> usize {
        match self {
            Path::Root => 0,
            Path::Content(parent, _) => parent.depth() + 1,
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => f.write_str("$"),
            Path::Content(parent, i) => write!(f, "{parent}.content[{i}]"),
        }
    }
}
