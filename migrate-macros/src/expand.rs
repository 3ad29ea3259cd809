//! Runs the checker (or reads its verdict on an unchanged folder from the cache) and turns the
//! verdict into tokens: compile errors, warnings, or the `migrate_runtime::Migrations` value.

use std::path::{Path, PathBuf};

use migrate_lint::discover::read_dir;
use migrate_lint::embedded::{self, MigrationRecord, RepeatableRecord, ScriptRecord};
use migrate_lint::{Outcome, Script, SettingValue, Settings};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::cache::{Cache, Entry, Hit};
use crate::input::Input;

/// The `Migrations` expression, or the compile errors in expression position (followed by an
/// empty set, so that the errors are the only errors the user sees). Warnings are emitted in both
/// cases, so a failing build still shows them next to its errors.
pub(crate) fn expand(input: &Input) -> TokenStream {
    let span = input.folder.span();
    let Some(manifest_dir) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        let error = syn::Error::new(span, "CARGO_MANIFEST_DIR is not set: build with cargo")
            .into_compile_error();
        let empty = set(Vec::new(), &[], &[], &Settings::new());
        return quote! {{ #error #empty }};
    };
    let display = input.folder.value();
    let out_dir = std::env::var_os("OUT_DIR").map(PathBuf::from);
    expand_folder(
        &manifest_dir.join(&display),
        &display,
        out_dir.as_deref(),
        span,
    )
}

/// [`expand`] for the folder `folder`, shown as `display`, with the cache in `out_dir` if any.
fn expand_folder(folder: &Path, display: &str, out_dir: Option<&Path>, span: Span) -> TokenStream {
    let cache = out_dir.map(|out| Cache::new(out, folder, display));
    let (warnings, verdict) = match &cache {
        Some(cache) => cached(cache, folder, display),
        None => check(folder, checked(folder, display, read_dir(folder))),
    };
    let warnings = warnings
        .iter()
        .enumerate()
        .map(|(i, message)| warning(i, message, span));
    match verdict {
        Ok(set) => quote! {{ #(#warnings)* #set }},
        Err(errors) => {
            let errors = errors
                .iter()
                .map(|message| syn::Error::new(span, message))
                .reduce(|mut all, e| {
                    all.combine(e);
                    all
                })
                .expect("a failed verdict has an error")
                .into_compile_error();
            let empty = set(Vec::new(), &[], &[], &Settings::new());
            quote! {{ #errors #(#warnings)* #empty }}
        }
    }
}

/// The verdict on `folder` from the cache when it holds (the set read back from the file that
/// keeps it), else from the checker, then kept.
fn cached(
    cache: &Cache,
    folder: &Path,
    display: &str,
) -> (Vec<String>, Result<TokenStream, Vec<String>>) {
    // The stamps are taken before the files are read: a file written after them is read as
    // changed by the next build, never trusted as unchanged.
    let stamps = cache.stamps();
    // The kept set is read back as tokens of this expansion, as the checker's would be: code
    // `include!`d from a file would be the user's code to rustc and clippy, linted as theirs.
    let kept = |hit: Hit| {
        let set = tokens(&std::fs::read_to_string(&hit.set_file).ok()?)?;
        Some((hit.warnings, Ok(set)))
    };
    if let Some(found) = cache.unchanged(&stamps).and_then(kept) {
        return found;
    }
    // The folder is read once, for the cache's key and for the checker.
    let entries = read_dir(folder);
    let key = entries.as_ref().ok().map(|entries| cache.key(entries));
    if let Some(found) = key
        .as_ref()
        .and_then(|key| cache.load(key, &stamps))
        .and_then(kept)
    {
        return found;
    }
    let (warnings, verdict) = check(folder, checked(folder, display, entries));
    if let (Some(key), Ok(set)) = (&key, &verdict) {
        let entry = Entry {
            warnings: warnings.clone(),
            set: set.to_string(),
        };
        cache.store(key, &stamps, &entry);
    }
    (warnings, verdict)
}

/// `text` as tokens. Inside the macro, through the compiler's lexer alone: proc_macro2's parse
/// would first lex the whole text again in the macro's own code, which cargo builds unoptimised.
fn tokens(text: &str) -> Option<TokenStream> {
    if proc_macro::is_available() {
        text.parse::<proc_macro::TokenStream>()
            .ok()
            .map(TokenStream::from)
    } else {
        text.parse().ok()
    }
}

/// The checker's outcome on the folder whose entries were read as `entries`.
fn checked(
    folder: &Path,
    display: &str,
    entries: std::io::Result<Vec<migrate_lint::discover::Entry>>,
) -> Outcome {
    match entries {
        Ok(entries) => migrate_lint::check_entries(display, entries),
        // The checker words the error.
        Err(_) => migrate_lint::check_dir(folder, display),
    }
}

/// The checker's verdict on the folder `folder` (its `outcome`) as the macro keeps it: its
/// warnings' messages, and the tokens of the set (the statements of a block: the files
/// included, then the value) or the errors' messages.
fn check(folder: &Path, outcome: Outcome) -> (Vec<String>, Result<TokenStream, Vec<String>>) {
    let warnings = outcome.warnings().map(ToString::to_string).collect();
    let errors: Vec<String> = outcome.errors().map(ToString::to_string).collect();
    if !errors.is_empty() {
        return (warnings, Err(errors));
    }
    // Each file the expansion depends on is included, so that editing it rebuilds the crate: a
    // file embedded as it is (`include_str!`) is included by that; the others and
    // `migrate.toml` are included here.
    let config_file = folder.join(migrate_lint::CONFIG_FILE);
    let includes = outcome
        .migrations
        .iter()
        .flat_map(|m| std::iter::once(&m.up).chain(&m.down).chain(&m.checkpoint))
        .chain(outcome.repeatables.iter().map(|r| &r.script))
        .filter(|s| !s.verbatim)
        .map(|s| s.file.clone())
        .chain(config_file.is_file().then_some(config_file))
        .map(|file| {
            let file = file.to_string_lossy().into_owned();
            quote! { const _: &[u8] = ::core::include_bytes!(#file); }
        });
    let mut texts = Vec::new();
    let records: Vec<MigrationRecord> = outcome
        .migrations
        .iter()
        .map(|m| MigrationRecord {
            version: m.version,
            name: &m.name,
            checksum: &m.checksum,
            up: script(&m.up, &mut texts),
            down: m.down.as_ref().map(|d| script(d, &mut texts)),
            checkpoint: m.checkpoint.as_ref().map(|c| script(c, &mut texts)),
        })
        .collect();
    let repeatables: Vec<RepeatableRecord> = outcome
        .repeatables
        .iter()
        .map(|r| RepeatableRecord {
            name: &r.name,
            checksum: &r.checksum,
            script: script(&r.script, &mut texts),
        })
        .collect();
    let set = set(texts, &records, &repeatables, &outcome.config.settings);
    (warnings, Ok(quote! {{ #(#includes)* #set }}))
}

/// The `Migrations` value of a set: its texts and its index (see `migrate_core::embedded`), and
/// the index of its repeatable migrations when it has some; no constructor call per migration
/// for rustc to check and evaluate.
fn set(
    texts: Vec<TokenStream>,
    records: &[MigrationRecord<'_>],
    repeatables: &[RepeatableRecord<'_>],
    settings: &Settings,
) -> TokenStream {
    let index = embedded::encode(records);
    let settings = self::settings(settings);
    let embedded = match repeatables {
        [] => quote!(::migrate_runtime::Embedded::__new(&[#(#texts),*], #index)),
        repeatables => {
            let repeatables = embedded::encode_repeatables(repeatables);
            quote! {
                ::migrate_runtime::Embedded::__with_repeatables(&[#(#texts),*], #index, #repeatables)
            }
        }
    };
    quote! {
        static SET: ::migrate_runtime::Embedded = #embedded;
        ::migrate_runtime::Migrations::__embedded(&SET, #settings)
    }
}

/// A script's record in the index; its text is pushed on `texts`: the file itself when its text
/// is its bytes (one literal for rustc, and what rebuilds the crate when it is edited), else its
/// normalised text.
fn script<'a>(s: &'a Script, texts: &mut Vec<TokenStream>) -> ScriptRecord<'a> {
    texts.push(if s.verbatim {
        let file = s.file.to_string_lossy().into_owned();
        quote!(::core::include_str!(#file))
    } else {
        let text = &s.text;
        quote!(#text)
    });
    ScriptRecord {
        path: &s.path,
        text: texts.len() - 1,
        transaction: s.transaction,
        statements: s.statements.clone(),
        index_builds: s.index_builds.clone(),
    }
}

/// The run-time settings of `migrate.toml` as a `migrate_runtime::Settings` expression: each
/// setting that is set, by its key, with its value (no setting is named here: a new one needs no
/// change to the macro).
fn settings(settings: &Settings) -> TokenStream {
    let entries = settings.entries().into_iter().map(|(setting, value)| {
        let setting = format_ident!("{setting:?}");
        let value = match value {
            SettingValue::Table(schema, table) => {
                let (schema, table) = (schema.as_ref(), table.as_ref());
                quote!(::migrate_runtime::SettingValue::Table(
                    ::std::borrow::Cow::Borrowed(#schema),
                    ::std::borrow::Cow::Borrowed(#table)
                ))
            }
            SettingValue::Duration(d) => {
                let (secs, nanos) = (d.as_secs(), d.subsec_nanos());
                quote!(::migrate_runtime::SettingValue::Duration(
                    ::core::time::Duration::new(#secs, #nanos)
                ))
            }
            SettingValue::Count(n) => quote!(::migrate_runtime::SettingValue::Count(#n)),
            SettingValue::Postgres(v) => {
                let major = v.major();
                quote!(::migrate_runtime::SettingValue::Postgres(
                    ::migrate_runtime::PgVersion::__major(#major)
                ))
            }
            SettingValue::Texts(texts) => {
                let texts = texts.iter().map(AsRef::<str>::as_ref);
                quote!(::migrate_runtime::SettingValue::Texts(
                    ::std::borrow::Cow::Borrowed(&[#(::std::borrow::Cow::Borrowed(#texts)),*])
                ))
            }
        };
        quote!((::migrate_runtime::Setting::#setting, #value))
    });
    quote!(::migrate_runtime::Settings::__from(&[#(#entries),*]))
}

/// A warning on stable Rust: the use of a deprecated item, whose note is the finding.
fn warning(index: usize, message: &str, span: Span) -> TokenStream {
    let name = format_ident!("migration_warning_{}", index, span = span);
    let note = format!("\n{message}");
    quote_spanned! {span=>
        const _: () = {
            #[deprecated(note = #note)]
            #[allow(non_camel_case_types)]
            struct #name;
            let _ = #name;
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every folder of `tests/migrations` with a `migrate.toml` or SQL files: the corpora and
    /// the runtime's fixtures (CRLF files, a failing folder among them).
    fn folders() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/migrations");
        let mut folders: Vec<PathBuf> = std::fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        folders.sort();
        assert!(folders.len() > 20, "{folders:?}");
        folders
    }

    /// The verdict from the cache is exactly the verdict without it, on every folder: the first
    /// build (which stores it), the next (which reads it), and a build after the kept set was
    /// edited (which ignores it).
    #[test]
    fn the_cached_verdict_is_the_checkers_on_every_folder() {
        let span = Span::call_site();
        for folder in folders() {
            let out = tempfile::tempdir().unwrap();
            let display = format!(
                "migrations/{}",
                folder.file_name().unwrap().to_string_lossy()
            );
            let fresh = expand_folder(&folder, &display, None, span).to_string();
            let stored = expand_folder(&folder, &display, Some(out.path()), span);
            let read = expand_folder(&folder, &display, Some(out.path()), span);
            assert_eq!(stored.to_string(), fresh, "{display}: first build");
            assert_eq!(read.to_string(), fresh, "{display}: from the cache");
            let kept = std::fs::read_dir(out.path())
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.extension().is_some_and(|e| e == "rs"));
            assert_eq!(
                kept.is_some(),
                !fresh.contains("compile_error"),
                "{display}: only a folder without errors is kept"
            );
            if let Some(file) = kept {
                // A kept set changed since it was written (by hand, a disk error) is not
                // trusted.
                std::fs::write(&file, "{ ::core::compile_error!(\"forged\") }").unwrap();
                let after = expand_folder(&folder, &display, Some(out.path()), span);
                assert_eq!(
                    after.to_string(),
                    fresh,
                    "{display}: an edited set is ignored"
                );
            }
        }
    }

    /// Most files are embedded as they are (`include_str!`); a file whose text the checker
    /// normalised (CRLF) is embedded as its text, and included for rebuilds.
    #[test]
    fn files_are_embedded_as_they_are_unless_normalised() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/migrations");
        let lf = expand_folder(
            &root.join("ordered"),
            "migrations/ordered",
            None,
            Span::call_site(),
        )
        .to_string();
        assert!(lf.contains("include_str !"), "{lf}");
        assert!(!lf.contains("include_bytes !"), "{lf}");
        let crlf = expand_folder(
            &root.join("ordered_crlf"),
            "migrations/ordered_crlf",
            None,
            Span::call_site(),
        )
        .to_string();
        assert!(crlf.contains("include_bytes !"), "{crlf}");
        assert!(!crlf.contains("include_str !"), "{crlf}");
    }
}
