//! Paginated, read-only listing of one resource (`limit` + `continue`), one
//! page in memory at a time, every request bounded by the timeout.
use std::time::Duration;

use kube::api::{Api, ListParams};
use kube::core::DynamicObject;
use kube::Client;
use serde::Serialize;

use crate::resources::Resource;

/// A failed list request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListError {
    /// Always `list`: the audit makes no other request.
    pub verb: &'static str,
    /// `deployments.apps`, `pods`.
    pub resource: String,
    /// The namespace listed, absent for all namespaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// HTTP status from the API server, absent when none came back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// One-line explanation.
    pub message: String,
    /// Whether the audit cannot go on (server unreachable, credentials rejected).
    #[serde(skip)]
    pub fatal: bool,
}

impl std::fmt::Display for ListError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ListError {}

/// How to list.
#[derive(Clone)]
pub struct Listing<'a> {
    /// The client.
    pub client: &'a Client,
    /// Namespace, or `None` for all namespaces.
    pub namespace: Option<&'a str>,
    /// Objects per page.
    pub chunk_size: u32,
    /// Bound on each request.
    pub timeout: Duration,
    /// Server URL, for messages.
    pub server: &'a str,
}

/// Lists every object of `resource`, page by page, handing each one to
/// `on_object` before the next page is fetched. Returns the number of objects.
pub async fn list_all(
    listing: &Listing<'_>,
    resource: &Resource,
    mut on_object: impl FnMut(DynamicObject),
) -> Result<usize, ListError> {
    let api_resource = resource.api_resource();
    let api: Api<DynamicObject> = match listing.namespace {
        Some(ns) => Api::namespaced_with(listing.client.clone(), ns, &api_resource),
        None => Api::all_with(listing.client.clone(), &api_resource),
    };
    let mut token: Option<String> = None;
    let mut count = 0;
    loop {
        let mut params = ListParams::default().limit(listing.chunk_size);
        if let Some(t) = &token {
            params = params.continue_token(t);
        }
        let page = match tokio::time::timeout(listing.timeout, api.list(&params)).await {
            Ok(Ok(page)) => page,
            Ok(Err(kube::Error::Api(status))) if status.code == 410 && token.is_some() => {
                return Err(expired(listing, resource, count, &status.message));
            }
            Ok(Err(error)) => return Err(classify(listing, resource, &error)),
            Err(_) => return Err(timed_out(listing, resource)),
        };
        for object in page.items {
            count += 1;
            on_object(object);
        }
        token = page.metadata.continue_.filter(|t| !t.is_empty());
        if token.is_none() {
            return Ok(count);
        }
    }
}

fn scope(namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("in namespace \"{ns}\""),
        None => "in all namespaces".to_owned(),
    }
}

fn base(
    listing: &Listing<'_>,
    resource: &Resource,
    status: Option<u16>,
    message: String,
    fatal: bool,
) -> ListError {
    ListError {
        verb: "list",
        resource: resource.qualified_name(),
        namespace: listing.namespace.map(str::to_owned),
        status,
        message,
        fatal,
    }
}

/// A 410 Gone on a `continue` token: the revision the list started at was
/// compacted away (kube-apiserver keeps about 5 minutes of history) before
/// the next page was asked for. Reported, not retried: a restarted list
/// would mix two points in time into one report (docs/audit.md).
fn expired(
    listing: &Listing<'_>,
    resource: &Resource,
    read: usize,
    server_says: &str,
) -> ListError {
    let message = format!(
        "cannot list {} {}: the continue token expired after {read} objects (410 Gone: the API server \
         no longer keeps the revision the list started at); run the audit again, a larger \
         --chunk-size needs fewer pages: {server_says}",
        resource.qualified_name(),
        scope(listing.namespace),
    );
    base(listing, resource, Some(410), message, false)
}

fn timed_out(listing: &Listing<'_>, resource: &Resource) -> ListError {
    let message = format!(
        "cannot list {} {}: no answer from {} within {:?} (--timeout)",
        resource.qualified_name(),
        scope(listing.namespace),
        listing.server,
        listing.timeout
    );
    base(listing, resource, None, message, true)
}

/// Turns a client error into a one-line message naming the verb and resource.
fn classify(listing: &Listing<'_>, resource: &Resource, error: &kube::Error) -> ListError {
    let name = resource.qualified_name();
    let where_ = scope(listing.namespace);
    let status = match error {
        kube::Error::Api(status) => status,
        // Connection, TLS, timeout and credential-plugin failures: nothing else will work either.
        kube::Error::HyperError(_) | kube::Error::Service(_) | kube::Error::Auth(_) => {
            let message = format!(
                "cannot reach the Kubernetes API server {} (list {name} {where_}, --timeout {:?}): {}",
                listing.server,
                listing.timeout,
                chain(error)
            );
            return base(listing, resource, None, message, true);
        }
        // An answer that is not a list (a proxy's page, an undecodable object): this list only.
        other => {
            let message = format!(
                "cannot list {name} {where_}: unexpected answer: {}",
                chain(other)
            );
            return base(listing, resource, None, message, false);
        }
    };
    let code = status.code;
    let server_says = if status.message.is_empty() {
        status.reason.clone()
    } else {
        status.message.clone()
    };
    let (message, fatal) = match code {
        403 => (
            format!(
                "forbidden: cannot list {name} {where_} (RBAC denies verb \"list\" on resource \"{}\"{}): {server_says}",
                resource.plural,
                group_clause(resource)
            ),
            false,
        ),
        401 => (
            format!("unauthorized: the API server rejected the credentials (list {name} {where_}): {server_says}"),
            true,
        ),
        404 => (format!("the server does not serve {name} ({}): {server_says}", resource.api_version()), false),
        410 => (
            format!("cannot list {name} {where_}: 410 Gone: {server_says}"),
            false,
        ),
        _ => (format!("cannot list {name} {where_}: HTTP {code}: {server_says}"), false),
    };
    base(listing, resource, Some(code), message, fatal)
}

fn group_clause(resource: &Resource) -> String {
    if resource.group.is_empty() {
        " in the core API group".to_owned()
    } else {
        format!(" in API group \"{}\"", resource.group)
    }
}

/// `error: cause: cause`, on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text.replace('\n', " ")
}
