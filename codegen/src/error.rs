//! The generator's error: a message and, when it comes from a spec, the file and JSON pointer.

use std::fmt;

/// A `Result` with the generator's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in a spec something came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// The spec file, relative to the specs folder.
    pub file: String,
    /// The JSON pointer inside it.
    pub pointer: String,
}

impl Origin {
    /// A location.
    pub fn new(file: impl Into<String>, pointer: impl Into<String>) -> Self {
        Origin {
            file: file.into(),
            pointer: pointer.into(),
        }
    }

    /// A location below this one; `segment` is escaped as JSON pointers require.
    pub fn child(&self, segment: &str) -> Origin {
        let escaped = segment.replace('~', "~0").replace('/', "~1");
        Origin {
            file: self.file.clone(),
            pointer: format!("{}/{}", self.pointer, escaped),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.file, self.pointer)
    }
}

/// What went wrong while generating.
#[derive(Debug, Clone)]
pub struct Error {
    /// Where, when known.
    pub origin: Option<Origin>,
    /// What.
    pub message: String,
}

impl Error {
    /// An error without a spec location.
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            origin: None,
            message: message.into(),
        }
    }

    /// An error at a spec location.
    pub fn at(origin: &Origin, message: impl Into<String>) -> Self {
        Error {
            origin: Some(origin.clone()),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Some(origin) => write!(f, "{origin}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}
