//! Plain data: the organization tree, access states and assignment attempts. No I/O here.

mod access;
mod assignment;
pub mod cause;
mod credentials;
pub mod identity;
mod level;
pub mod lookup;
mod meaning;
mod org;
pub mod portal;
mod snapshot;

pub use crate::text::{RawText, Text};
pub use access::{AccessState, AttachedPolicy, ProbeOutcome, ProbeStatus, Reason};
pub use assignment::{AssignmentAttempt, AssignmentStatus, Operation, name_accounts};
pub use cause::{Cause, ControlKind, ControlPolicy, Evidence, EvidenceSource};
pub use credentials::{Secret, TempCredentials};
pub use level::Level;
pub use org::{Account, Caller, ListingError, Node, Org, OrgInfo, Ou, Parent, Root, sort_children};
pub use snapshot::{MAX_SNAPSHOT_BYTES, SNAPSHOT_FORMAT, Snapshot, SnapshotError};
