//! The task side of effects: each [`Job`] runs as a tokio task and reports back over the app's
//! channel, progress on the way and exactly one final report.

use std::sync::Arc;

use futures::FutureExt;
use tokio::sync::mpsc;

use crate::app::{Job, Report};
use crate::probe::Prober;

/// What a task sends: progress on the way, then exactly one final report.
pub(super) enum Sent {
    Progress(Report),
    Done(Report),
}

pub(super) fn spawn(job: Job, prober: &Arc<Prober>, tx: &mpsc::UnboundedSender<Sent>) {
    let done = tx.clone();
    let task = perform(job, Arc::clone(prober), tx.clone());
    tokio::spawn(async move {
        // A panicking task must not leave the app waiting for it: it reports, and the app stops.
        let action = match std::panic::AssertUnwindSafe(task).catch_unwind().await {
            Ok(action) => action,
            Err(panic) => Report::TaskPanicked(panic_message(&panic)),
        };
        // The receiver is gone only when the app has exited; nothing is left to tell.
        let _ = done.send(Sent::Done(action));
    });
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a task panicked".to_string())
}

async fn perform(job: Job, prober: Arc<Prober>, tx: mpsc::UnboundedSender<Sent>) -> Report {
    {
        let source = &prober.source;
        match job {
            Job::Discover => {
                let progress_tx = tx.clone();
                let progress = Arc::new(move |p| {
                    let _ = progress_tx.send(Sent::Progress(Report::DiscoverProgress(p)));
                });
                Report::DiscoverDone(source.discover(progress).await.map_err(|err| err.to_string()))
            }
            Job::LoadTags(account_id) => {
                let result = source.account_tags(&account_id).await.map_err(|err| err.to_string());
                Report::LoadTagsDone { account_id, result }
            }
            Job::Probe { generation, targets, caller } => {
                let results = tx.clone();
                prober
                    .probe_all(targets, &caller, |target, outcome| {
                        let account_id = target.account.id.clone();
                        let _ = results.send(Sent::Progress(Report::ProbeResult { generation, account_id, outcome }));
                    })
                    .await;
                Report::ProbeDone { generation }
            }
            Job::SwitchRole { purpose, target, caller, duration } => {
                let result = prober
                    .switch_role(&target, &caller, &crate::probe::Switch::lasting(duration))
                    .await
                    .map(Box::new)
                    .map_err(Box::new);
                Report::SwitchRoleDone { purpose, account_name: target.account.name, result }
            }
            Job::WriteProfile { name, credentials } => write_profile(name, credentials).await,
            Job::ConsoleUrl { credentials, destination, copy, browser, account } => {
                console_url(credentials, destination, copy, browser, account).await
            }
            Job::LoadAssignments(query) => {
                let progress_tx = tx.clone();
                let progress = Arc::new(move |p| {
                    let _ = progress_tx.send(Sent::Progress(Report::AssignmentsProgress(p)));
                });
                Report::AssignmentsDone(source.assignments(&query, progress).await.map_err(|err| err.to_string()))
            }
            Job::LoadAccess { mut query, targets, caller } => {
                // The probe's ways into the accounts: customer-managed policies and roles' use.
                if let Some(caller) = caller {
                    let footholds = crate::probe::AccountFootholds::new(Arc::clone(&prober), &targets, caller);
                    query.footholds = Some(Arc::new(footholds));
                }
                let result = source.identity_center(&query).await;
                Report::AccessDone(result.map(Box::new).map_err(|err| err.to_string()))
            }
            Job::LoadPortal => {
                let Some(portal) = &prober.portal else {
                    return Report::PortalDone(Err("no Identity Center sign-in is configured".into()));
                };
                let found_tx = tx.clone();
                let found = Arc::new(move |account: &crate::model::portal::PortalAccount| {
                    let _ = found_tx.send(Sent::Progress(Report::PortalFound(account.clone())));
                });
                Report::PortalDone(portal.accounts(found).await.map(|_| ()).map_err(|err| err.to_string()))
            }
            Job::PortalSwitch { purpose, account_id, account_name, role } => {
                let Some(portal) = &prober.portal else {
                    return Report::Toast("no Identity Center sign-in is configured".into());
                };
                match crate::probe::portal_credentials(
                    prober.keeping.as_ref(),
                    portal.as_ref(),
                    &account_id,
                    role.raw(),
                    false,
                )
                .await
                {
                    Ok(credentials) => {
                        Report::SwitchRoleDone { purpose, account_name, result: Ok(Box::new(credentials)) }
                    }
                    Err(err) => Report::Toast(format!("{account_name} through Identity Center as {role}: {err}")),
                }
            }
            Job::RetryAssignment { attempt, sso_region } => {
                let key = attempt.key().cloned().unwrap_or_default();
                let result = source.retry_assignment(sso_region.as_deref(), &attempt).await;
                Report::RetryDone { key, result: result.map(Box::new).map_err(|err| err.to_string()) }
            }
            Job::Fix { target, caller, action } => fix(&prober, *target, &caller, action).await,
            Job::SaveCache { path, snapshot } => save_cache(path, *snapshot).await,
            #[cfg(debug_assertions)]
            Job::TestPanic => panic!("test-only panic in a task (ORGSCOPE_TEST_PANIC=task)"),
        }
    }
}

/// `w`: the profile in the shared credentials file, said in a toast.
async fn write_profile(name: String, credentials: Box<crate::model::TempCredentials>) -> Report {
    let written = tokio::task::spawn_blocking(move || {
        let path = crate::export::credentials_file::default_path()
            .ok_or_else(|| "no home directory: set AWS_SHARED_CREDENTIALS_FILE".to_string())?;
        crate::export::credentials_file::write_profile(&path, &name, &credentials)
            .map(|()| format!("wrote profile {name} to {} ({})", path.display(), credentials.life_left()))
            .map_err(|err| format!("could not write {}: {err}", path.display()))
    })
    .await;
    Report::Toast(match written {
        Ok(Ok(message)) | Ok(Err(message)) => message,
        Err(err) => format!("writing the profile failed: {err}"),
    })
}

/// `o`/`O`: the sign-in URL (the demo's made offline), opened unless it is to be copied.
async fn console_url(
    credentials: Box<crate::model::TempCredentials>,
    destination: String,
    copy: bool,
    browser: crate::export::browser::Browser,
    account: String,
) -> Report {
    let endpoint = crate::export::console::test_endpoint();
    let result = tokio::task::spawn_blocking(move || {
        // The demo's credentials are valid nowhere: its URL is made offline.
        let url = match credentials.demo {
            true => crate::export::console::demo_signin_url(&credentials, &destination),
            false => crate::export::console::signin_url(&credentials, &destination, endpoint.as_deref())
                .map_err(|err| err.to_string())?,
        };
        if !copy {
            browser.open_signin(&url, &account, &credentials.account_id)?;
        }
        Ok(url)
    })
    .await
    .unwrap_or_else(|err| Err(format!("the console URL failed: {err}")));
    Report::ConsoleUrlDone { copy, result }
}

/// The run, written for an instant next start (a failure is only logged).
async fn save_cache(path: std::path::PathBuf, snapshot: crate::model::Snapshot) -> Report {
    let saved = tokio::task::spawn_blocking(move || snapshot.save(&path)).await;
    if let Ok(Err(err)) | Err(err) = saved.map_err(std::io::Error::other) {
        tracing::warn!(%err, "could not save the cache");
    }
    Report::CacheSaved
}

/// `F`, confirmed: the account probed, planned through the foothold, written only when the plan is
/// still what the user confirmed, and probed again.
async fn fix(
    prober: &Prober,
    target: crate::probe::ProbeTarget,
    caller: &crate::probe::CallerContext,
    action: crate::remedy::repair::Action,
) -> Report {
    use crate::probe::fix::{self, Applied};
    let account_id = target.account.id.clone();
    let account_name = target.account.name.clone();
    let Some((_, outcome)) = prober.probe_collect(vec![target.clone()], caller).await.into_iter().next() else {
        return Report::FixDone { account_id, account_name, result: Err("it could not be probed".into()) };
    };
    let planned = fix::plan(prober, caller, target, outcome).await;
    let result = if planned.repair.action() != action {
        Err(format!(
            "its cause changed since it was shown ({}): press F again",
            crate::remedy::repair::describe(&planned.repair)
        ))
    } else {
        match fix::apply(prober, caller, &planned).await {
            Applied::Written(outcome) => Ok(Box::new(outcome)),
            Applied::Failed(why) => Err(why),
            Applied::Skipped => Err(crate::remedy::repair::describe(&planned.repair)),
        }
    };
    Report::FixDone { account_id, account_name, result }
}
