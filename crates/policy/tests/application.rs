//! The service-certificate application's state machine: who may do what in which state
//! (R-STAGES), what submission needs (R-CSR, R-SYSSIG-APPLICANT, R-CONFORMITY), the
//! two-officer rule, the delivery due date (R-SLA) and lapsing (R-LAPSE), with a
//! controlled clock.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a failed test

use carepki_policy::ProfileId;
use carepki_policy::application::{
    Action, ActionKind, Actor, ApplicationError, ApplicationFacts, KANTA_PROVIDER, LAPSE_MONTHS,
    MAX_TEXT_CHARS, Requirement, Role, State, StateKind, SyssigBasis, Transition, lapse_due,
    lapses_after, pending_since, sla_due, transition,
};
use carepki_policy::calendar::due_date;
use carepki_policy::org::{LocalisedName, Organisation, Sector};
use time::OffsetDateTime;
use time::macros::datetime;

const ORG: &str = "1.2.246.10.97835177.10.0";
const OTHER_ORG: &str = "1.2.246.10.12345678.10.0";

fn unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// Created on Monday 6 January 2025 (Epiphany, as it happens) at 10:00 Helsinki time.
fn t0() -> i64 {
    unix(datetime!(2025-01-06 10:00 +2))
}

fn org(sector: Sector, kanta_intermediary: bool) -> Organisation {
    Organisation {
        oid: ORG.into(),
        name: LocalisedName {
            fi: "Järvilaakson hyvinvointialue".into(),
            sv: "Järvidalens välfärdsområde".into(),
            en: "Järvilaakso Wellbeing Services County".into(),
        },
        business_id: "9783517-7".into(),
        sector,
        kanta_intermediary,
        domains: vec!["jarvilaakso-hva.fi".into()],
    }
}

fn actor(id: &str, role: Role, organisation: Option<&str>) -> Actor {
    Actor {
        id: id.into(),
        role,
        organisation: organisation.map(Into::into),
    }
}

fn admin() -> Actor {
    actor("user-admin", Role::OrgAdmin, Some(ORG))
}
fn user() -> Actor {
    actor("user-1", Role::OrgUser, Some(ORG))
}
fn tech() -> Actor {
    actor("tc-invited", Role::TechnicalContact, Some(ORG))
}
fn officer() -> Actor {
    actor("officer-1", Role::CaOfficer, None)
}
fn officer2() -> Actor {
    actor("officer-2", Role::CaOfficer, None)
}
fn auditor() -> Actor {
    actor("auditor-1", Role::Auditor, None)
}
fn system() -> Actor {
    actor("scheduler", Role::System, None)
}

/// The actor of each role used by the table.
fn actor_of(role: Role) -> Actor {
    match role {
        Role::OrgAdmin => admin(),
        Role::OrgUser => user(),
        Role::TechnicalContact => tech(),
        Role::CaOfficer => officer(),
        Role::Auditor => auditor(),
        Role::System => system(),
    }
}

/// A new draft with nothing attached.
fn draft(profile: ProfileId, sector: Sector) -> ApplicationFacts {
    let mut app = ApplicationFacts::new_draft(profile, &org(sector, false), t0());
    app.technical_contacts.push("tc-invited".into());
    app
}

/// A complete server application in the given state, entered at `t0`.
fn in_state(kind: StateKind) -> ApplicationFacts {
    let mut app = draft(ProfileId::Server, Sector::Public);
    app.csr_attached = true;
    app.state = match kind {
        StateKind::Draft => State::Draft,
        StateKind::Submitted => State::Submitted,
        StateKind::Incomplete => State::Incomplete {
            message: "the CSR's key is too short".into(),
        },
        StateKind::InReview => State::InReview,
        StateKind::Approved => State::Approved,
        StateKind::Issued => State::Issued,
        StateKind::Delivered => State::Delivered,
        StateKind::Rejected => State::Rejected {
            reason: "not in the register".into(),
        },
        StateKind::Lapsed => State::Lapsed,
        StateKind::Withdrawn => State::Withdrawn,
    };
    if !matches!(kind, StateKind::Draft | StateKind::Incomplete) {
        app.completed_at = Some(t0());
    }
    app
}

/// A valid action of each kind.
fn action(kind: ActionKind) -> Action {
    match kind {
        ActionKind::Edit => Action::Edit,
        ActionKind::AttachCsr => Action::AttachCsr,
        ActionKind::AttachConformity => Action::AttachConformity,
        ActionKind::Submit => Action::Submit,
        ActionKind::Withdraw => Action::Withdraw,
        ActionKind::RequestMoreInfo => Action::RequestMoreInfo {
            message: "attach a CSR with a 3072-bit key".into(),
        },
        ActionKind::ProvideInfo => Action::ProvideInfo,
        ActionKind::StartReview => Action::StartReview,
        ActionKind::Approve => Action::Approve,
        ActionKind::Reject => Action::Reject {
            reason: "the domain is not the organisation's".into(),
        },
        ActionKind::MarkIssued => Action::MarkIssued {
            serial: "4a1f0c".into(),
        },
        ActionKind::MarkDelivered => Action::MarkDelivered,
        ActionKind::Lapse => Action::Lapse,
    }
}

fn code(r: Result<Transition, ApplicationError>) -> &'static str {
    r.unwrap_err().code()
}

// ---- The table: every state × action × role -------------------------------------

/// Who may take each action at all (whatever the state).
const WHO: [(ActionKind, &[Role]); 13] = {
    use ActionKind as A;
    use Role as R;
    [
        (A::Edit, &[R::OrgAdmin, R::OrgUser]),
        (
            A::AttachCsr,
            &[R::OrgAdmin, R::OrgUser, R::TechnicalContact],
        ),
        (A::AttachConformity, &[R::OrgAdmin, R::OrgUser]),
        (A::Submit, &[R::OrgAdmin, R::OrgUser]),
        (A::Withdraw, &[R::OrgAdmin, R::OrgUser]),
        (A::RequestMoreInfo, &[R::CaOfficer]),
        (A::ProvideInfo, &[R::OrgAdmin, R::OrgUser]),
        (A::StartReview, &[R::CaOfficer]),
        (A::Approve, &[R::CaOfficer]),
        (A::Reject, &[R::CaOfficer]),
        (A::MarkIssued, &[R::CaOfficer, R::System]),
        (A::MarkDelivered, &[R::CaOfficer, R::System]),
        (A::Lapse, &[R::System]),
    ]
};

/// Every allowed move of a complete, single-approval application: action, from, to.
const MOVES: [(ActionKind, StateKind, StateKind); 21] = {
    use ActionKind as A;
    use StateKind as S;
    [
        (A::Edit, S::Draft, S::Draft),
        (A::Edit, S::Incomplete, S::Incomplete),
        (A::AttachCsr, S::Draft, S::Draft),
        (A::AttachCsr, S::Incomplete, S::Incomplete),
        (A::AttachConformity, S::Draft, S::Draft),
        (A::AttachConformity, S::Incomplete, S::Incomplete),
        (A::Submit, S::Draft, S::Submitted),
        (A::Withdraw, S::Draft, S::Withdrawn),
        (A::RequestMoreInfo, S::Submitted, S::Incomplete),
        (A::RequestMoreInfo, S::InReview, S::Incomplete),
        (A::ProvideInfo, S::Incomplete, S::Submitted),
        (A::StartReview, S::Submitted, S::InReview),
        (A::Approve, S::InReview, S::Approved),
        (A::Reject, S::Submitted, S::Rejected),
        (A::Reject, S::Incomplete, S::Rejected),
        (A::Reject, S::InReview, S::Rejected),
        (A::Reject, S::Approved, S::Rejected),
        (A::MarkIssued, S::Approved, S::Issued),
        (A::MarkDelivered, S::Issued, S::Delivered),
        (A::Lapse, S::Draft, S::Lapsed),
        (A::Lapse, S::Incomplete, S::Lapsed),
    ]
};

/// The refusal for a permitted role when the state does not allow the action.
fn refusal_in(state: StateKind, action: ActionKind) -> &'static str {
    use ActionKind as A;
    use StateKind as S;
    match (state, action) {
        (S::Delivered | S::Rejected | S::Lapsed | S::Withdrawn, _) => "application.closed",
        (_, A::Edit | A::AttachCsr | A::AttachConformity) => "application.edit_after_submit",
        (S::Submitted | S::InReview | S::Approved | S::Issued, A::Submit) => {
            "application.already_submitted"
        }
        _ => "application.invalid_state",
    }
}

#[test]
fn every_state_action_and_role() {
    // Seven months on: drafts and incomplete applications are due to lapse.
    let now = unix(datetime!(2025-08-07 10:00 +3));
    let (mut allowed, mut refused) = (0, 0);
    for state in StateKind::ALL {
        for kind in ActionKind::ALL {
            for role in Role::ALL {
                let app = in_state(state);
                let got = transition(&app, action(kind), &actor_of(role), now);
                let permitted = WHO
                    .iter()
                    .find(|(a, _)| *a == kind)
                    .unwrap()
                    .1
                    .contains(&role);
                assert_eq!(role.may(kind), permitted, "{role:?} {kind:?}");
                let case = format!("{role:?} {kind:?} in {state:?}");
                let expected = MOVES
                    .iter()
                    .find(|(a, from, _)| *a == kind && *from == state)
                    .map(|m| m.2);
                match (permitted, expected) {
                    (true, Some(to)) => {
                        let t = got.unwrap_or_else(|e| panic!("{case}: {e}"));
                        assert_eq!(t.state().kind(), to, "{case}");
                        assert_eq!(t.state_changed, to != state, "{case}");
                        assert_eq!(t.event.state, *t.state(), "{case}");
                        assert_eq!((t.event.at, t.event.action), (now, kind), "{case}");
                        assert_eq!(t.event.actor, actor_of(role).id, "{case}");
                        assert_eq!(t.event.role, role, "{case}");
                        let since = if to == state { app.state_since } else { now };
                        assert_eq!(t.facts.state_since, since, "{case}");
                        allowed += 1;
                    }
                    (true, None) => {
                        assert_eq!(code(got), refusal_in(state, kind), "{case}");
                        refused += 1;
                    }
                    (false, _) => {
                        let e = got.unwrap_err();
                        assert_eq!(e.code(), "application.forbidden", "{case}");
                        assert!(e.to_string().contains("may not"), "{case}: {e}");
                        refused += 1;
                    }
                }
            }
        }
    }
    // 21 moves, each by every role WHO permits for it.
    let by_table: usize = MOVES
        .iter()
        .map(|(a, _, _)| WHO.iter().find(|(w, _)| w == a).unwrap().1.len())
        .sum();
    assert_eq!((allowed, by_table), (34, 34));
    assert_eq!(allowed + refused, 10 * 13 * 6);
}

/// Organisation roles act only for the applying organisation, and a technical contact
/// only on applications he is invited to; nobody learns the state otherwise.
#[test]
fn only_the_applying_organisation_and_invited_contacts() {
    let now = t0() + 60;
    for state in StateKind::ALL {
        let app = in_state(state);
        for kind in ActionKind::ALL {
            for role in [Role::OrgAdmin, Role::OrgUser, Role::TechnicalContact] {
                if !role.may(kind) {
                    continue;
                }
                let other = actor("tc-invited", role, Some(OTHER_ORG));
                let case = format!("{role:?} {kind:?} in {state:?}");
                assert_eq!(
                    code(transition(&app, action(kind), &other, now)),
                    "application.other_organisation",
                    "{case}"
                );
                let nobody = actor("tc-invited", role, None);
                assert_eq!(
                    code(transition(&app, action(kind), &nobody, now)),
                    "application.other_organisation",
                    "{case}"
                );
            }
            if kind == ActionKind::AttachCsr {
                let stranger = actor("tc-other", Role::TechnicalContact, Some(ORG));
                assert_eq!(
                    code(transition(&app, Action::AttachCsr, &stranger, now)),
                    "application.not_invited",
                    "{state:?}"
                );
            }
        }
    }
}

#[test]
fn auditors_change_nothing() {
    let e = transition(
        &in_state(StateKind::InReview),
        Action::Approve,
        &auditor(),
        t0(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        ApplicationError::Forbidden {
            role: Role::Auditor,
            action: ActionKind::Approve
        }
    );
    assert_eq!(
        e.to_string(),
        "an auditor may not approve the application; only a CA officer may"
    );
    let e = transition(
        &in_state(StateKind::Draft),
        Action::Submit,
        &officer(),
        t0(),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("only an organisation administrator or an organisation user may"),
        "{e}"
    );
}

// ---- Submission -------------------------------------------------------------------

#[test]
fn the_technical_contact_attaches_the_csr_and_the_user_submits() {
    let app = draft(ProfileId::Server, Sector::Public);
    assert_eq!(
        transition(&app, Action::Submit, &user(), t0()).unwrap_err(),
        ApplicationError::NotReady {
            missing: vec![Requirement::Csr]
        }
    );
    let t = transition(&app, Action::AttachCsr, &tech(), t0() + 10).unwrap();
    assert!(t.facts.csr_attached && !t.state_changed);
    assert_eq!(t.event.action, ActionKind::AttachCsr);
    assert_eq!(
        code(transition(&t.facts, Action::Submit, &tech(), t0() + 20)),
        "application.forbidden"
    );
    let s = transition(&t.facts, Action::Submit, &user(), t0() + 20).unwrap();
    assert_eq!(*s.state(), State::Submitted);
    assert_eq!(s.facts.completed_at, Some(t0() + 20));
    assert_eq!(s.facts.state_since, t0() + 20);
}

#[test]
fn double_submission_and_edits_after_submission_are_refused() {
    let mut app = draft(ProfileId::Server, Sector::Public);
    app.csr_attached = true;
    let s = transition(&app, Action::Submit, &admin(), t0()).unwrap();
    let e = transition(&s.facts, Action::Submit, &admin(), t0() + 1).unwrap_err();
    assert_eq!(e.code(), "application.already_submitted");
    assert!(e.to_string().contains("already been submitted"), "{e}");
    for kind in [
        ActionKind::Edit,
        ActionKind::AttachCsr,
        ActionKind::AttachConformity,
    ] {
        let e = transition(&s.facts, action(kind), &admin(), t0() + 1).unwrap_err();
        assert_eq!(
            e,
            ApplicationError::EditAfterSubmit {
                state: StateKind::Submitted
            }
        );
        assert_eq!(e.code(), "application.edit_after_submit");
        assert!(e.to_string().contains("can no longer be changed"), "{e}");
    }
    // A submitted application cannot be withdrawn.
    let e = transition(&s.facts, Action::Withdraw, &admin(), t0() + 1).unwrap_err();
    assert!(
        e.to_string().contains("only a draft can be withdrawn"),
        "{e}"
    );
}

#[test]
fn system_signature_needs_a_ground_and_a_private_provider_conformity() {
    // R-SYSSIG-APPLICANT and R-CONFORMITY: everything missing is listed at once.
    let app = draft(ProfileId::SystemSignature, Sector::Private);
    let e = transition(&app, Action::Submit, &user(), t0()).unwrap_err();
    assert_eq!(
        e,
        ApplicationError::NotReady {
            missing: vec![
                Requirement::Csr,
                Requirement::SyssigBasis,
                Requirement::Conformity
            ]
        }
    );
    assert_eq!(e.code(), "application.not_ready");
    let text = e.to_string();
    for needle in [
        "attach it, or invite",
        "administers",
        "certificate of conformity",
    ] {
        assert!(text.contains(needle), "{text}");
    }
    let mut app = app;
    app.csr_attached = true;
    app.syssig_basis = Some(SyssigBasis::AdministersSystem);
    assert_eq!(app.missing(), [Requirement::Conformity]);
    app.conformity_attached = true;
    assert!(app.missing().is_empty());
    assert_eq!(app.technical_contact_organisation(), None);
    assert!(transition(&app, Action::Submit, &user(), t0()).is_ok());
}

#[test]
fn conformity_only_for_private_production_system_signature() {
    let complete = |profile, sector| {
        let mut app = draft(profile, sector);
        app.csr_attached = true;
        app.syssig_basis = Some(SyssigBasis::AdministersSystem);
        app.missing()
    };
    assert!(complete(ProfileId::SystemSignature, Sector::Public).is_empty());
    assert!(complete(ProfileId::TestSystemSignature, Sector::Private).is_empty());
    assert!(complete(ProfileId::Server, Sector::Private).is_empty());
    assert!(complete(ProfileId::TestServer, Sector::Private).is_empty());
    assert!(complete(ProfileId::Email, Sector::Private).is_empty());
    assert_eq!(
        complete(ProfileId::SystemSignature, Sector::Private),
        [Requirement::Conformity]
    );
    // The ground is asked for both system signature types, and for no other.
    let mut test_syssig = draft(ProfileId::TestSystemSignature, Sector::Public);
    test_syssig.csr_attached = true;
    assert_eq!(test_syssig.missing(), [Requirement::SyssigBasis]);
    let mut server = draft(ProfileId::Server, Sector::Public);
    server.csr_attached = true;
    assert!(server.missing().is_empty());
}

#[test]
fn a_kanta_intermediary_applies_in_its_own_name() {
    let mut app = draft(ProfileId::SystemSignature, Sector::Private);
    app.csr_attached = true;
    app.conformity_attached = true;
    app.syssig_basis = Some(SyssigBasis::KantaIntermediaryOwnName);
    // Not in the intermediary register: refused, with what to do.
    let e = transition(&app, Action::Submit, &admin(), t0()).unwrap_err();
    assert_eq!(
        e,
        ApplicationError::NotReady {
            missing: vec![Requirement::KantaIntermediary]
        }
    );
    assert!(e.to_string().contains("does not list"), "{e}");
    // Listed: accepted, and the technical contact's organisation reads "Kanta provider".
    let listed = ApplicationFacts {
        kanta_intermediary: true,
        ..app
    };
    assert_eq!(
        listed.technical_contact_organisation(),
        Some(KANTA_PROVIDER)
    );
    assert_eq!(KANTA_PROVIDER, "Kanta provider");
    let t = transition(&listed, Action::Submit, &admin(), t0()).unwrap();
    assert_eq!(*t.state(), State::Submitted);
}

#[test]
fn new_draft_takes_the_register_facts() {
    let app = ApplicationFacts::new_draft(
        ProfileId::SystemSignature,
        &org(Sector::Private, true),
        t0(),
    );
    assert_eq!(app.org_oid, ORG);
    assert_eq!(app.sector, Sector::Private);
    assert!(app.kanta_intermediary);
    assert_eq!(app.state, State::Draft);
    assert_eq!((app.created_at, app.state_since), (t0(), t0()));
    assert_eq!(app.required_approvals(), 2);
}

// ---- Review -----------------------------------------------------------------------

fn submitted(profile: ProfileId) -> ApplicationFacts {
    let mut app = draft(profile, Sector::Public);
    app.csr_attached = true;
    app.syssig_basis = Some(SyssigBasis::AdministersSystem);
    transition(&app, Action::Submit, &user(), t0())
        .unwrap()
        .facts
}

#[test]
fn production_system_signature_needs_two_different_officers() {
    let app = submitted(ProfileId::SystemSignature);
    assert_eq!(app.required_approvals(), 2);
    let review = transition(&app, Action::StartReview, &officer(), t0() + 100)
        .unwrap()
        .facts;
    let first = transition(&review, Action::Approve, &officer(), t0() + 200).unwrap();
    assert_eq!(*first.state(), State::InReview);
    assert!(!first.state_changed);
    assert_eq!(first.event.action, ActionKind::Approve);
    assert_eq!(first.facts.approvals.len(), 1);
    assert_eq!(first.facts.approvals[0].officer, "officer-1");
    assert_eq!(first.facts.approvals[0].at, t0() + 200);
    // The same officer twice is refused.
    let e = transition(&first.facts, Action::Approve, &officer(), t0() + 300).unwrap_err();
    assert_eq!(e, ApplicationError::SameOfficer);
    assert_eq!(e.code(), "application.same_officer");
    assert!(
        e.to_string().contains("second, different CA officer"),
        "{e}"
    );
    // A second officer approves it.
    let second = transition(&first.facts, Action::Approve, &officer2(), t0() + 400).unwrap();
    assert_eq!(*second.state(), State::Approved);
    assert!(second.state_changed);
    assert_eq!(second.facts.approvals.len(), 2);
    assert_eq!(second.facts.state_since, t0() + 400);
}

#[test]
fn other_types_need_one_officer() {
    for profile in [
        ProfileId::Server,
        ProfileId::TestServer,
        ProfileId::TestSystemSignature,
        ProfileId::Email,
    ] {
        let app = submitted(profile);
        assert_eq!(app.required_approvals(), 1, "{profile:?}");
        let review = transition(&app, Action::StartReview, &officer(), t0())
            .unwrap()
            .facts;
        let t = transition(&review, Action::Approve, &officer(), t0()).unwrap();
        assert_eq!(*t.state(), State::Approved, "{profile:?}");
    }
}

#[test]
fn asking_for_more_clears_the_first_approval() {
    let app = submitted(ProfileId::SystemSignature);
    let review = transition(&app, Action::StartReview, &officer(), t0())
        .unwrap()
        .facts;
    let first = transition(&review, Action::Approve, &officer(), t0() + 1)
        .unwrap()
        .facts;
    let asked = transition(
        &first,
        Action::RequestMoreInfo {
            message: "  Attach the system's conformity certificate.  ".into(),
        },
        &officer2(),
        t0() + 2,
    )
    .unwrap();
    assert_eq!(
        *asked.state(),
        State::Incomplete {
            message: "Attach the system's conformity certificate.".into()
        }
    );
    assert!(asked.facts.approvals.is_empty());
    let back = transition(&asked.facts, Action::ProvideInfo, &user(), t0() + 3)
        .unwrap()
        .facts;
    let review = transition(&back, Action::StartReview, &officer2(), t0() + 4)
        .unwrap()
        .facts;
    // Officer 1's earlier approval no longer counts: two are needed again.
    let again = transition(&review, Action::Approve, &officer(), t0() + 5).unwrap();
    assert_eq!(*again.state(), State::InReview);
}

#[test]
fn approval_rechecks_the_register() {
    // The register now says private, and no conformity certificate is attached.
    let mut app = submitted(ProfileId::SystemSignature);
    app = transition(&app, Action::StartReview, &officer(), t0())
        .unwrap()
        .facts;
    app.sector = Sector::Private;
    assert_eq!(
        transition(&app, Action::Approve, &officer(), t0()).unwrap_err(),
        ApplicationError::NotReady {
            missing: vec![Requirement::Conformity]
        }
    );
}

#[test]
fn the_officer_must_say_why() {
    let app = submitted(ProfileId::Server);
    for message in ["", "   \n", &"x".repeat(MAX_TEXT_CHARS + 1)] {
        let e = transition(
            &app,
            Action::RequestMoreInfo {
                message: message.into(),
            },
            &officer(),
            t0(),
        )
        .unwrap_err();
        assert_eq!(e.code(), "application.invalid_message");
        let e = transition(
            &app,
            Action::Reject {
                reason: message.into(),
            },
            &officer(),
            t0(),
        )
        .unwrap_err();
        assert_eq!(e.code(), "application.invalid_reason");
        assert!(e.to_string().contains("reason"), "{e}");
    }
    let longest = "ä".repeat(MAX_TEXT_CHARS);
    let t = transition(
        &app,
        Action::Reject {
            reason: longest.clone(),
        },
        &officer(),
        t0(),
    )
    .unwrap();
    assert_eq!(*t.state(), State::Rejected { reason: longest });
}

#[test]
fn serial_numbers_are_lower_case_hex() {
    let mut app = in_state(StateKind::Approved);
    app.approvals.clear();
    for bad in ["", "4A1F", "0x4a", "4a 1f", &"a".repeat(41)] {
        let e = transition(
            &app,
            Action::MarkIssued { serial: bad.into() },
            &system(),
            t0(),
        )
        .unwrap_err();
        assert_eq!(e.code(), "application.invalid_serial", "{bad:?}");
    }
    let serial = format!("4a{}", "0123456789abcdef".repeat(2));
    let t = transition(
        &app,
        Action::MarkIssued {
            serial: serial.clone(),
        },
        &system(),
        t0(),
    )
    .unwrap();
    assert_eq!(t.event.serial.as_deref(), Some(serial.as_str()));
    assert_eq!(t.facts.serial, Some(serial));
}

// ---- The timeline and the due date --------------------------------------------------

/// Takes a step that must succeed; returns the timeline event when the state changed.
fn step(
    app: &mut ApplicationFacts,
    action: Action,
    who: &Actor,
    at: OffsetDateTime,
) -> Option<(StateKind, i64, String)> {
    let t = transition(app, action, who, unix(at)).unwrap();
    *app = t.facts;
    t.state_changed
        .then(|| (t.event.state.kind(), t.event.at, t.event.actor))
}

#[test]
fn the_whole_journey_as_a_timeline() {
    let mut app = draft(ProfileId::SystemSignature, Sector::Private);
    let mut timeline = Vec::new();
    let mut go = |app: &mut ApplicationFacts, action, who: Actor, at| {
        timeline.extend(step(app, action, &who, at));
    };
    go(
        &mut app,
        Action::AttachConformity,
        admin(),
        datetime!(2025-01-06 10:10 +2),
    );
    go(
        &mut app,
        Action::AttachCsr,
        tech(),
        datetime!(2025-01-07 14:00 +2),
    );
    // Submitted without the ground of a system signature application: refused, and
    // nothing changes.
    let before = app.clone();
    let e = transition(&app, Action::Submit, &admin(), t0()).unwrap_err();
    assert_eq!(
        e,
        ApplicationError::NotReady {
            missing: vec![Requirement::SyssigBasis]
        }
    );
    assert_eq!(app, before);
    go(
        &mut app,
        Action::Edit,
        admin(),
        datetime!(2025-01-07 14:20 +2),
    );
    app.syssig_basis = Some(SyssigBasis::AdministersSystem); // the e-service's edit
    go(
        &mut app,
        Action::Submit,
        admin(),
        datetime!(2025-01-07 14:30 +2),
    );
    go(
        &mut app,
        Action::StartReview,
        officer(),
        datetime!(2025-01-08 09:00 +2),
    );
    let ask = Action::RequestMoreInfo {
        message: "the CSR's key is reused".into(),
    };
    go(&mut app, ask, officer(), datetime!(2025-01-08 09:30 +2));
    // The technical contact attaches a new CSR while the application is incomplete.
    go(
        &mut app,
        Action::AttachCsr,
        tech(),
        datetime!(2025-01-09 10:00 +2),
    );
    go(
        &mut app,
        Action::ProvideInfo,
        user(),
        datetime!(2025-01-09 11:05 +2),
    );
    go(
        &mut app,
        Action::StartReview,
        officer2(),
        datetime!(2025-01-10 08:00 +2),
    );
    go(
        &mut app,
        Action::Approve,
        officer2(),
        datetime!(2025-01-10 08:30 +2),
    );
    go(
        &mut app,
        Action::Approve,
        officer(),
        datetime!(2025-01-10 13:00 +2),
    );
    let issue = Action::MarkIssued {
        serial: "4a1f".into(),
    };
    go(&mut app, issue, system(), datetime!(2025-01-10 13:00:01 +2));
    go(
        &mut app,
        Action::MarkDelivered,
        system(),
        datetime!(2025-01-10 13:00:05 +2),
    );
    let expect = |k, t: OffsetDateTime, who: &str| (k, unix(t), who.to_owned());
    assert_eq!(
        timeline,
        vec![
            expect(
                StateKind::Submitted,
                datetime!(2025-01-07 14:30 +2),
                "user-admin"
            ),
            expect(
                StateKind::InReview,
                datetime!(2025-01-08 09:00 +2),
                "officer-1"
            ),
            expect(
                StateKind::Incomplete,
                datetime!(2025-01-08 09:30 +2),
                "officer-1"
            ),
            expect(
                StateKind::Submitted,
                datetime!(2025-01-09 11:05 +2),
                "user-1"
            ),
            expect(
                StateKind::InReview,
                datetime!(2025-01-10 08:00 +2),
                "officer-2"
            ),
            expect(
                StateKind::Approved,
                datetime!(2025-01-10 13:00 +2),
                "officer-1"
            ),
            expect(
                StateKind::Issued,
                datetime!(2025-01-10 13:00:01 +2),
                "scheduler"
            ),
            expect(
                StateKind::Delivered,
                datetime!(2025-01-10 13:00:05 +2),
                "scheduler"
            ),
        ]
    );
    assert_eq!(app.serial.as_deref(), Some("4a1f"));
    assert_eq!(app.completed_at, Some(unix(datetime!(2025-01-09 11:05 +2))));
    // Delivered is final.
    let later = unix(datetime!(2025-01-11 00:00 +2));
    assert_eq!(
        code(transition(&app, Action::MarkDelivered, &system(), later)),
        "application.closed"
    );
}

#[test]
fn the_due_date_starts_when_the_application_is_complete() {
    // Submitted on Friday evening: due the following Friday at 23:59:59 (R-SLA).
    let mut app = draft(ProfileId::Server, Sector::Public);
    app.csr_attached = true;
    assert_eq!(sla_due(&app).unwrap(), None);
    let friday = unix(datetime!(2025-01-10 19:00 +2));
    app = transition(&app, Action::Submit, &user(), friday)
        .unwrap()
        .facts;
    let due = unix(datetime!(2025-01-17 23:59:59 +2));
    assert_eq!(sla_due(&app).unwrap(), Some(due));
    assert_eq!(due_date(friday).unwrap(), due);
    // Incomplete: no due date. Sent back on Wednesday: the time starts afresh.
    app = transition(
        &app,
        Action::RequestMoreInfo {
            message: "the CSR names the wrong host".into(),
        },
        &officer(),
        unix(datetime!(2025-01-13 09:00 +2)),
    )
    .unwrap()
    .facts;
    assert_eq!(sla_due(&app).unwrap(), None);
    app = transition(
        &app,
        Action::ProvideInfo,
        &user(),
        unix(datetime!(2025-01-15 12:00 +2)),
    )
    .unwrap()
    .facts;
    assert_eq!(
        sla_due(&app).unwrap(),
        Some(unix(datetime!(2025-01-22 23:59:59 +2)))
    );
    // Still counted while in review, approved and issued; not once delivered.
    for kind in [StateKind::InReview, StateKind::Approved, StateKind::Issued] {
        app.state = in_state(kind).state;
        assert!(sla_due(&app).unwrap().is_some(), "{kind:?}");
    }
    app.state = State::Delivered;
    assert_eq!(sla_due(&app).unwrap(), None);
}

// ---- Lapsing (R-LAPSE) --------------------------------------------------------------

/// An application that entered Incomplete at `since`.
fn incomplete_since(since: OffsetDateTime) -> ApplicationFacts {
    let mut app = in_state(StateKind::Incomplete);
    app.completed_at = Some(unix(since) - 86_400);
    app.state_since = unix(since);
    app
}

#[test]
fn lapse_boundaries() {
    assert_eq!(LAPSE_MONTHS, 6);
    // (pending since, exactly six months later), in Helsinki time.
    let cases = [
        (
            datetime!(2025-01-15 09:00 +2),
            datetime!(2025-07-15 09:00 +3),
        ),
        // Month ends: 31 August + 6 months is the last day of February.
        (
            datetime!(2025-08-31 12:00 +3),
            datetime!(2026-02-28 12:00 +2),
        ),
        (
            datetime!(2027-08-31 12:00 +3),
            datetime!(2028-02-29 12:00 +2),
        ),
        (
            datetime!(2025-12-31 23:59:59 +2),
            datetime!(2026-06-30 23:59:59 +3),
        ),
        // The same wall-clock time across the autumn switch: an hour more passes.
        (
            datetime!(2025-09-15 08:00 +3),
            datetime!(2026-03-15 08:00 +2),
        ),
    ];
    for (since, six_months) in cases {
        let app = incomplete_since(since);
        assert_eq!(pending_since(&app), Some(unix(since)));
        assert_eq!(lapses_after(&app), Some(unix(six_months)), "{since}");
        assert!(!lapse_due(&app, unix(six_months) - 1), "{since}");
        assert!(
            !lapse_due(&app, unix(six_months)),
            "exactly 6 months: {since}"
        );
        assert!(
            lapse_due(&app, unix(six_months) + 1),
            "6 months + 1 s: {since}"
        );
    }
}

#[test]
fn lapse_by_the_scheduled_job() {
    let since = datetime!(2025-08-31 12:00 +3);
    let app = incomplete_since(since);
    let six_months = unix(datetime!(2026-02-28 12:00 +2));
    // Not yet: refused with the date.
    let e = transition(&app, Action::Lapse, &system(), six_months).unwrap_err();
    assert_eq!(
        e,
        ApplicationError::LapseNotDue {
            lapses_after: Some(six_months)
        }
    );
    assert_eq!(e.code(), "application.lapse_not_due");
    assert!(e.to_string().contains("more than 6 months"), "{e}");
    // Only the system lets it lapse.
    assert_eq!(
        code(transition(&app, Action::Lapse, &officer(), six_months + 1)),
        "application.forbidden"
    );
    let t = transition(&app, Action::Lapse, &system(), six_months + 1).unwrap();
    assert_eq!(*t.state(), State::Lapsed);
    assert_eq!(t.event.at, six_months + 1);
    assert!(!lapse_due(&t.facts, six_months + 1));
    // Lapsed is final: the applicant cannot send information any more.
    assert_eq!(
        code(transition(
            &t.facts,
            Action::ProvideInfo,
            &user(),
            six_months + 2
        )),
        "application.closed"
    );
}

#[test]
fn a_draft_lapses_six_months_after_creation_whatever_is_edited() {
    let mut app = draft(ProfileId::Server, Sector::Public);
    let created = t0();
    let six_months = unix(datetime!(2025-07-06 10:00 +3));
    // Edits and attachments do not restart the time.
    app = transition(&app, Action::Edit, &user(), created + 1_000)
        .unwrap()
        .facts;
    app = transition(&app, Action::AttachCsr, &tech(), six_months - 10)
        .unwrap()
        .facts;
    assert_eq!(pending_since(&app), Some(created));
    assert_eq!(lapses_after(&app), Some(six_months));
    assert!(!lapse_due(&app, six_months));
    assert!(lapse_due(&app, six_months + 1));
    // Submitting in time takes it out of reach of R-LAPSE.
    let s = transition(&app, Action::Submit, &user(), six_months)
        .unwrap()
        .facts;
    assert!(!lapse_due(&s, six_months + 10 * 366 * 86_400));
}

#[test]
fn the_lapse_time_restarts_with_each_request_for_more() {
    let first = datetime!(2025-01-15 09:00 +2);
    let app = incomplete_since(first);
    let back = transition(
        &app,
        Action::ProvideInfo,
        &user(),
        unix(datetime!(2025-07-01 09:00 +3)),
    )
    .unwrap()
    .facts;
    let again = transition(
        &back,
        Action::RequestMoreInfo {
            message: "the key is reused".into(),
        },
        &officer(),
        unix(datetime!(2025-07-02 09:00 +3)),
    )
    .unwrap()
    .facts;
    assert_eq!(
        lapses_after(&again),
        Some(unix(datetime!(2026-01-02 09:00 +2)))
    );
    assert!(!lapse_due(&again, unix(datetime!(2025-12-01 00:00 +2))));
}

#[test]
fn complete_and_closed_applications_never_lapse() {
    let ten_years = t0() + 10 * 366 * 86_400;
    for kind in StateKind::ALL {
        let app = in_state(kind);
        let can = matches!(kind, StateKind::Draft | StateKind::Incomplete);
        assert_eq!(lapse_due(&app, ten_years), can, "{kind:?}");
        assert_eq!(lapses_after(&app).is_some(), can, "{kind:?}");
    }
}

// ---- Names and codes ----------------------------------------------------------------

#[test]
fn stable_names_and_error_codes() {
    for kind in StateKind::ALL {
        assert_eq!(StateKind::parse(kind.as_str()), Some(kind));
    }
    let errors = [
        ApplicationError::Forbidden {
            role: Role::Auditor,
            action: ActionKind::Lapse,
        },
        ApplicationError::OtherOrganisation,
        ApplicationError::NotInvited,
        ApplicationError::EditAfterSubmit {
            state: StateKind::InReview,
        },
        ApplicationError::AlreadySubmitted {
            state: StateKind::InReview,
        },
        ApplicationError::Closed {
            state: StateKind::Lapsed,
        },
        ApplicationError::InvalidState {
            state: StateKind::Draft,
            action: ActionKind::Approve,
        },
        ApplicationError::NotReady {
            missing: vec![Requirement::Csr],
        },
        ApplicationError::SameOfficer,
        ApplicationError::InvalidMessage,
        ApplicationError::InvalidReason,
        ApplicationError::InvalidSerial,
        ApplicationError::LapseNotDue { lapses_after: None },
    ];
    let mut codes: Vec<&str> = errors.iter().map(ApplicationError::code).collect();
    assert!(codes.iter().all(|c| c.starts_with("application.")));
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), errors.len());
    for e in &errors {
        assert!(e.to_string().len() > 20, "{e:?}");
    }
    assert_eq!(
        ApplicationError::InvalidState {
            state: StateKind::Draft,
            action: ActionKind::Approve,
        }
        .to_string(),
        "cannot approve the application: it is a draft, and only an application in review \
         can be approved"
    );
    assert_eq!(
        ApplicationError::Forbidden {
            role: Role::Auditor,
            action: ActionKind::Lapse,
        }
        .to_string(),
        "an auditor may not let the application lapse; only the system may"
    );
}
