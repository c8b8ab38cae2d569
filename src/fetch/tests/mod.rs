//! The fetcher's own property tests and document checks, which need the library's insides:
//! the exactness of trimmed views, unread page fields of any type, and every configuration
//! example of the documentation parsed and resolved against the sample page.

mod doc_examples;
mod exactness;
mod resolve;
mod unread_fields;
