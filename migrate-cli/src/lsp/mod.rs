//! `migrate lsp`: a Language Server Protocol server over stdin and stdout, for editors.
//!
//! It speaks the protocol with rust-analyzer's `lsp-server` and `lsp-types` crates: synchronous
//! (one thread reads the messages, one writes them, the main loop handles them in turn), like
//! the checker, and a few small dependencies (no async runtime). Every `.sql` file of a
//! migration folder gets the checker's findings as diagnostics, computed with the folder's
//! other files and the editor's unsaved text; `migrate.toml` gets its own problems. A change
//! re-checks the file and the later files it can change ([`migrate_lint::Folder`]); the changes
//! that arrive together are checked once, when no message is waiting. Code actions allow a
//! finding with a reason; the hover over a rule name explains the rule.
//!
//! `text` converts positions and URIs, `findings` turns findings into diagnostics, code
//! actions and hovers (pure), `folder` keeps one folder's check; this module is the I/O edge.

mod findings;
mod folder;
mod text;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, DidChangeTextDocumentParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, HoverParams, HoverProviderCapability,
    PublishDiagnosticsParams, SaveOptions, ServerCapabilities, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};
use migrate_lint::CONFIG_FILE;

use crate::failure::Failure;
use folder::Edited;

/// Serves one editor on stdin and stdout until it shuts the server down.
pub fn run() -> Result<(), Failure> {
    let (connection, threads) = Connection::stdio();
    let protocol = |e: lsp_server::ProtocolError| Failure::usage(format!("LSP: {e}"));
    let capabilities =
        serde_json::to_value(capabilities()).expect("the capabilities serialise to JSON");
    connection.initialize(capabilities).map_err(protocol)?;
    let mut server = Server::default();
    loop {
        // The changes that arrived together are checked once, when no message waits.
        if connection.receiver.is_empty() {
            server.check(&connection);
        }
        let Ok(message) = connection.receiver.recv() else {
            break;
        };
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request).map_err(protocol)? {
                    break;
                }
                server.check(&connection);
                let response = server.answer(request);
                send(&connection, Message::Response(response));
            }
            Message::Notification(notification) => server.notice(notification),
            Message::Response(_) => {}
        }
    }
    drop(connection);
    threads
        .join()
        .map_err(|e| Failure::usage(format!("LSP: {e}")))
}

/// What the server offers: the documents' text and each change of it (incremental), saves,
/// code actions (quick fixes) and hovers.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    }
}

fn send(connection: &Connection, message: Message) {
    // The editor went away: the reader sees it and the loop ends.
    let _ = connection.sender.send(message);
}

/// What to check again in a folder.
#[derive(Default)]
struct Pending {
    /// Read the whole folder again (`migrate.toml` changed, a file appeared or went).
    reread: bool,
    /// Whether the folder's entries on disk are to compare with those it was read with (saved).
    saved: bool,
    /// The files whose text changed, by name.
    files: BTreeSet<String>,
}

/// The documents open, the migration folders they are in, and what is left to check.
#[derive(Default)]
struct Server {
    /// The text of each open document, by path.
    open: HashMap<PathBuf, String>,
    folders: HashMap<PathBuf, Edited>,
    pending: BTreeMap<PathBuf, Pending>,
}

impl Server {
    /// Records what a notification changes.
    fn notice(&mut self, notification: Notification) {
        let Notification { method, params } = notification;
        let text_change = |uri: &Uri| text::path_of(uri).and_then(|p| folder::split(&p));
        match method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(params) else {
                    return;
                };
                let Some((dir, name)) = text_change(&p.text_document.uri) else {
                    return;
                };
                if self.folders.contains_key(&dir) || folder::is_migration_folder(&dir, &name) {
                    self.open.insert(dir.join(&name), p.text_document.text);
                    self.changed(dir, name, false);
                }
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(params) else {
                    return;
                };
                let Some((dir, name)) = text_change(&p.text_document.uri) else {
                    return;
                };
                let Some(text) = self.open.get_mut(&dir.join(&name)) else {
                    return;
                };
                for change in p.content_changes {
                    text::apply(text, change);
                }
                self.changed(dir, name, false);
            }
            DidSaveTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidSaveTextDocumentParams>(params) else {
                    return;
                };
                if let Some((dir, name)) = text_change(&p.text_document.uri) {
                    if self.open.contains_key(&dir.join(&name)) {
                        self.changed(dir, name, true);
                    }
                }
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(params) else {
                    return;
                };
                // The text on disk replaces the editor's.
                if let Some((dir, name)) = text_change(&p.text_document.uri) {
                    if self.open.remove(&dir.join(&name)).is_some() {
                        self.changed(dir, name, false);
                    }
                }
            }
            _ => {}
        }
    }

    fn changed(&mut self, dir: PathBuf, name: String, saved: bool) {
        let pending = self.pending.entry(dir).or_default();
        pending.reread |= name == CONFIG_FILE;
        pending.saved |= saved;
        pending.files.insert(name);
    }

    /// The open documents of a folder, by name.
    fn open_in(&self, dir: &Path) -> HashMap<String, String> {
        self.open
            .iter()
            .filter_map(|(path, text)| {
                let (parent, name) = folder::split(path)?;
                (parent == dir).then(|| (name, text.clone()))
            })
            .collect()
    }

    /// Checks what changed, and publishes the findings that changed.
    fn check(&mut self, connection: &Connection) {
        for (dir, pending) in std::mem::take(&mut self.pending) {
            let open = self.open_in(&dir);
            let edited = match self.folders.remove(&dir) {
                None => Edited::read(&dir, &open),
                Some(mut edited) => {
                    let replaced = !pending.reread
                        && (!pending.saved || edited.same_names(&dir))
                        && pending.files.iter().all(|name| {
                            let text = match open.get(name) {
                                Some(text) => Some(text.clone()),
                                None => std::fs::read_to_string(dir.join(name)).ok(),
                            };
                            text.is_some_and(|text| edited.replace(name, &text))
                        });
                    match replaced {
                        true => Ok(edited),
                        false => edited.reread(&dir, &open).map(|()| edited),
                    }
                }
            };
            let mut edited = match edited {
                Ok(edited) => edited,
                Err(e) => {
                    eprintln!("migrate lsp: cannot read {}: {e}", dir.display());
                    continue;
                }
            };
            for (name, found) in edited.changes() {
                let path = dir.join(&name);
                let text = self.open.get(&path).map(String::as_str);
                let params = PublishDiagnosticsParams {
                    uri: text::uri_of(&path),
                    diagnostics: found
                        .iter()
                        .map(|f| findings::diagnostic(f, text))
                        .collect(),
                    version: None,
                };
                send(
                    connection,
                    Message::Notification(Notification::new(
                        PublishDiagnostics::METHOD.to_owned(),
                        params,
                    )),
                );
            }
            self.folders.insert(dir, edited);
        }
    }

    /// Answers a request: code actions and hovers; an empty answer to any other.
    fn answer(&self, request: Request) -> Response {
        let Request { id, method, params } = request;
        let result = match method.as_str() {
            CodeActionRequest::METHOD => serde_json::from_value::<CodeActionParams>(params)
                .ok()
                .map(|p| serde_json::to_value(self.code_actions(&p))),
            HoverRequest::METHOD => serde_json::from_value::<HoverParams>(params)
                .ok()
                .map(|p| serde_json::to_value(self.hover(&p))),
            _ => None,
        };
        let result = result.and_then(Result::ok);
        Response::new_ok(id, result.unwrap_or(serde_json::Value::Null))
    }

    /// An open document's text, its folder's check and its name.
    fn document(&self, uri: &Uri) -> Option<(&str, &Edited, String)> {
        let path = text::path_of(uri)?;
        let text = self.open.get(&path)?;
        let (dir, name) = folder::split(&path)?;
        Some((text, self.folders.get(&dir)?, name))
    }

    /// The code actions of the findings on the lines of the range asked about.
    fn code_actions(&self, params: &CodeActionParams) -> Vec<CodeActionOrCommand> {
        let uri = &params.text_document.uri;
        let Some((text, edited, name)) = self.document(uri) else {
            return Vec::new();
        };
        let lines = params.range.start.line..=params.range.end.line;
        edited
            .findings(&name)
            .iter()
            .map(|found| (found, findings::diagnostic(found, Some(text))))
            .filter(|(_, shown)| lines.contains(&shown.range.start.line))
            .flat_map(|(found, shown)| findings::code_actions(uri, text, found, &shown))
            .map(CodeActionOrCommand::CodeAction)
            .collect()
    }

    fn hover(&self, params: &HoverParams) -> Option<lsp_types::Hover> {
        let at = &params.text_document_position_params;
        let (text, edited, name) = self.document(&at.text_document.uri)?;
        let shown: Vec<_> = edited
            .findings(&name)
            .iter()
            .map(|found| findings::diagnostic(found, Some(text)))
            .collect();
        findings::hover(text, at.position, name == CONFIG_FILE, &shown)
    }
}
