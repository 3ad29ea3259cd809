//! Runs the checker and turns its outcome into tokens: compile errors, warnings, or the
//! `migrate_runtime::Migrations` value.

use std::path::PathBuf;

use migrate_lint::{Migration, Script, SettingValue, Settings, Transaction};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::input::Input;

/// The `Migrations` expression, or the compile errors in expression position (followed by an
/// empty set, so that the errors are the only errors the user sees). Warnings are emitted in both
/// cases, so a failing build still shows them next to its errors.
pub(crate) fn expand(input: &Input) -> TokenStream {
    let span = input.folder.span();
    let Some(manifest_dir) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        let error = syn::Error::new(span, "CARGO_MANIFEST_DIR is not set: build with cargo")
            .into_compile_error();
        return quote! {{ #error ::migrate_runtime::Migrations::__new(&[]) }};
    };
    let display = input.folder.value();
    let folder = manifest_dir.join(&display);
    let outcome = migrate_lint::check_dir(&folder, &display);

    let warnings: Vec<TokenStream> = outcome
        .warnings()
        .enumerate()
        .map(|(i, d)| warning(i, &d.to_string(), span))
        .collect();
    let errors = outcome
        .errors()
        .map(|d| syn::Error::new(span, d.to_string()))
        .reduce(|mut all, e| {
            all.combine(e);
            all
        });
    if let Some(errors) = errors {
        let errors = errors.into_compile_error();
        return quote! {{ #errors #(#warnings)* ::migrate_runtime::Migrations::__new(&[]) }};
    }

    // Each file the expansion depends on is included, so that editing it rebuilds the crate.
    let config_file = folder.join(migrate_lint::CONFIG_FILE);
    let includes = outcome
        .migrations
        .iter()
        .flat_map(|m| std::iter::once(&m.up).chain(&m.down))
        .map(|s| s.file.clone())
        .chain(config_file.is_file().then_some(config_file))
        .map(|file| {
            let file = file.to_string_lossy().into_owned();
            quote! { const _: &[u8] = ::core::include_bytes!(#file); }
        });
    let count = outcome.migrations.len();
    let migrations = outcome.migrations.iter().map(migration);
    let settings = settings(&outcome.config.settings);
    quote! {
        {
            #(#includes)*
            #(#warnings)*
            static MIGRATIONS: [::migrate_runtime::Migration; #count] = [#(#migrations),*];
            ::migrate_runtime::Migrations::__with_settings(&MIGRATIONS, #settings)
        }
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

fn migration(m: &Migration) -> TokenStream {
    let Migration {
        version,
        name,
        checksum,
        up,
        down,
    } = m;
    let up = script(up);
    let down = match down {
        Some(d) => {
            let d = script(d);
            quote!(::core::option::Option::Some(#d))
        }
        None => quote!(::core::option::Option::None),
    };
    let version = version.get();
    quote! {
        ::migrate_runtime::Migration::__new(
            ::migrate_runtime::Version::new(#version), #name, #checksum, #up, #down,
        )
    }
}

fn script(s: &Script) -> TokenStream {
    let Script {
        path,
        text,
        transaction,
        statements,
        index_builds,
        ..
    } = s;
    let transaction = match transaction {
        Transaction::Single => quote!(::migrate_runtime::Transaction::Single),
        Transaction::None => quote!(::migrate_runtime::Transaction::None),
    };
    let statements = statements.iter().map(|r| {
        let (start, end) = (r.start, r.end);
        quote!(::migrate_runtime::Statement::__new(#start, #end))
    });
    // A `Cow` has a destructor, so the builds cannot be a promoted `&[...]`: a static of their own
    // (none for the files without one).
    let count = index_builds.len();
    let index_builds = index_builds.iter().map(|b| {
        let (statement, index, rebuild) = (b.statement(), b.index(), b.rebuilds());
        quote!(::migrate_runtime::IndexBuild::__new(#statement, #index, #rebuild))
    });
    let index_builds = if count == 0 {
        quote!(&[])
    } else {
        quote!({
            static INDEX_BUILDS: [::migrate_runtime::IndexBuild; #count] = [#(#index_builds),*];
            &INDEX_BUILDS
        })
    };
    quote! {
        ::migrate_runtime::Script::__new(
            #path, #text, #transaction, &[#(#statements),*], #index_builds,
        )
    }
}
