package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cointally/cointally"
)

// Read-only sharing. A user (the owner) grants another user (a viewer, such
// as an accountant) read-only access to all of the owner's data; see
// cointally.GrantStore. A viewer reads the owner's data by adding
// ?as=OWNER_ID to the dashboard, transactions and tax pages, and opens the
// owner's account pages by their usual /accounts/{id} URLs (the account
// names its owner). Whatever a viewer reads, the pages show no action that
// changes anything, and every state-changing route refuses a viewer with 403.
//
// Every handler that reads a user's data finds out whose data it is through
// one of the two helpers below, never from reqOf(r).user directly:
//
//   - scopeOf(r) for pages about all of a user's data (dashboard,
//     transactions, tax): the logged-in user's own data, or with ?as= the
//     data of an owner who granted them access.
//   - accountFor(r, write) for pages about one account (/accounts/{id}/...).
//
// Both answer KindNotFound (404, exactly like a missing page) for data the
// user may not see at all, and KindUnauthorized (403) when a viewer asks to
// change what they may only read.

// scope says whose data a request shows and whether it may change it.
type scope struct {
	Viewer *cointally.User // the logged-in user
	Owner  *cointally.User // whose data is shown: Viewer, or an owner who granted Viewer access
	// ReadOnly is true when Owner is not Viewer: nothing may be changed,
	// and pages hide their actions.
	ReadOnly bool
}

// OwnerID is the ID of the user whose data is shown, the one to pass to
// the store and to Reports.
func (sc scope) OwnerID() int64 { return sc.Owner.ID }

// URL returns path with ?as=OWNER_ID (or &as=) when sc shows another user's
// data, so links and forms of a page keep showing the same data; path
// unchanged otherwise.
func (sc scope) URL(path string) string {
	if !sc.ReadOnly {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "as=" + strconv.FormatInt(sc.Owner.ID, 10)
}

// AsValue is the value of the as parameter for forms that submit with GET
// (filters): the owner's ID when read-only, empty otherwise.
func (sc scope) AsValue() string {
	if !sc.ReadOnly {
		return ""
	}
	return strconv.FormatInt(sc.Owner.ID, 10)
}

var (
	errNoPage    = &cointally.Error{Kind: cointally.KindNotFound, Message: "There is no such page."}
	errNoAccount = &cointally.Error{Kind: cointally.KindNotFound, Message: "There is no such account."}
	errReadOnly  = &cointally.Error{Kind: cointally.KindUnauthorized, Message: "You have read-only access to this data: only its owner can change it."}
)

// scopeOf resolves whose data the request shows. Without an as parameter
// (or with the user's own ID) it is the logged-in user's own data, writable.
// With as=OWNER_ID it is that owner's data, read-only, if the owner granted
// the user access; KindNotFound otherwise (the same answer as for a user
// that does not exist, so IDs cannot be probed). The parameter is read from
// the URL only; a request that is not GET or HEAD with as naming another
// user is refused with KindUnauthorized, so a viewer can never change an
// owner's data through it.
func (s *Server) scopeOf(r *http.Request) (scope, error) {
	u := reqOf(r).user
	if u == nil {
		return scope{}, &cointally.Error{Kind: cointally.KindUnauthorized, Message: "Log in first."}
	}
	own := scope{Viewer: u, Owner: u}
	as := r.URL.Query().Get("as")
	if as == "" {
		return own, nil
	}
	id, err := strconv.ParseInt(as, 10, 64)
	if err != nil || id <= 0 {
		return scope{}, errNoPage
	}
	if id == u.ID {
		return own, nil
	}
	owner, err := s.grantedOwner(r, u.ID, id)
	if err != nil {
		return scope{}, err
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return scope{}, errReadOnly
	}
	return scope{Viewer: u, Owner: owner, ReadOnly: true}, nil
}

// grantedOwner returns the user ownerID if they granted viewerID read-only
// access; KindNotFound if not (or if there is no such user).
func (s *Server) grantedOwner(r *http.Request, viewerID, ownerID int64) (*cointally.User, error) {
	grants, err := s.cfg.Store.GrantsTo(r.Context(), viewerID)
	if err != nil {
		return nil, fmt.Errorf("web: reading grants: %w", err)
	}
	for _, g := range grants {
		if g.OwnerID == ownerID {
			owner, err := s.cfg.Store.User(r.Context(), ownerID)
			if cointally.IsNotFound(err) {
				return nil, errNoPage
			}
			if err != nil {
				return nil, fmt.Errorf("web: reading a grant's owner: %w", err)
			}
			return owner, nil
		}
	}
	return nil, errNoPage
}

// accountFor returns the account named by the {id} path value and the
// scope it is read in. The user's own account is writable. An account of
// an owner who granted the user access is read-only: with write set the
// answer is KindUnauthorized (403). Any other account is KindNotFound, like
// one that does not exist.
func (s *Server) accountFor(r *http.Request, write bool) (*cointally.Account, scope, error) {
	u := reqOf(r).user
	if u == nil {
		return nil, scope{}, &cointally.Error{Kind: cointally.KindUnauthorized, Message: "Log in first."}
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, scope{}, errNoAccount
	}
	a, err := s.cfg.Store.AccountByID(r.Context(), id)
	if cointally.IsNotFound(err) {
		return nil, scope{}, errNoAccount
	}
	if err != nil {
		return nil, scope{}, fmt.Errorf("web: reading account %d: %w", id, err)
	}
	if a.UserID == u.ID {
		return a, scope{Viewer: u, Owner: u}, nil
	}
	owner, err := s.grantedOwner(r, u.ID, a.UserID)
	if cointally.IsNotFound(err) {
		return nil, scope{}, errNoAccount
	}
	if err != nil {
		return nil, scope{}, err
	}
	if write {
		return nil, scope{}, errReadOnly
	}
	return a, scope{Viewer: u, Owner: owner, ReadOnly: true}, nil
}

// ownWrites wraps a handler that changes the logged-in user's own data
// (account added, settings, grants): a request that asks, with ?as=, to act
// on another user's data is refused with 403 (or 404 without a grant)
// before h runs.
func (s *Server) ownWrites(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if sc, err := s.scopeOf(r); err != nil || sc.ReadOnly {
			if err == nil {
				err = errReadOnly
			}
			s.fail(w, r, err)
			return
		}
		h(w, r)
	}
}

// sharingData is the sharing page's data.
type sharingData struct {
	Given    []shareView // users who may read the logged-in user's data
	Received []shareView // users whose data the logged-in user may read
	Name     string      // the name typed in the grant form, after an error
	Error    string
	Notice   string
}

type shareView struct {
	User    *cointally.User
	Created string
}

func (s *Server) sharingPage(w http.ResponseWriter, r *http.Request) {
	s.renderSharing(w, r, http.StatusOK, sharingData{Notice: sharingNotice(r.URL.Query().Get("done"))})
}

func sharingNotice(done string) string {
	switch done {
	case "granted":
		return "Access granted."
	case "revoked":
		return "Access taken back."
	}
	return ""
}

func (s *Server) renderSharing(w http.ResponseWriter, r *http.Request, status int, data sharingData) {
	ctx := r.Context()
	u := reqOf(r).user
	load := func(grants []cointally.Grant, other func(cointally.Grant) int64) ([]shareView, error) {
		var out []shareView
		for _, g := range grants {
			ou, err := s.cfg.Store.User(ctx, other(g))
			if cointally.IsNotFound(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out = append(out, shareView{User: ou, Created: g.Created.UTC().Format("2006-01-02")})
		}
		return out, nil
	}
	by, err := s.cfg.Store.GrantsBy(ctx, u.ID)
	if err == nil {
		data.Given, err = load(by, func(g cointally.Grant) int64 { return g.ViewerID })
	}
	var to []cointally.Grant
	if err == nil {
		to, err = s.cfg.Store.GrantsTo(ctx, u.ID)
	}
	if err == nil {
		data.Received, err = load(to, func(g cointally.Grant) int64 { return g.OwnerID })
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("web: reading grants: %w", err))
		return
	}
	s.render(w, r, status, "sharing", data)
}

// sharingGrant gives the user named in the form read-only access.
func (s *Server) sharingGrant(w http.ResponseWriter, r *http.Request) {
	u := reqOf(r).user
	name := strings.TrimSpace(r.PostFormValue("username"))
	bad := func(msg string) {
		s.renderSharing(w, r, http.StatusBadRequest, sharingData{Name: name, Error: msg})
	}
	if name == "" {
		bad("Type the user name of the person to share with.")
		return
	}
	viewer, err := s.cfg.Store.UserByName(r.Context(), name)
	if cointally.IsNotFound(err) || (err == nil && viewer.PasswordHash == "") {
		// A user who cannot log in (such as the built-in local user) is
		// no one to share with.
		bad(fmt.Sprintf("There is no user named %q who can log in. An admin adds users on the Users page.", name))
		return
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("web: finding a user to share with: %w", err))
		return
	}
	if viewer.ID == u.ID {
		bad("You can see your own data already.")
		return
	}
	if err := s.cfg.Store.PutGrant(r.Context(), u.ID, viewer.ID); err != nil {
		s.fail(w, r, fmt.Errorf("web: granting access: %w", err))
		return
	}
	s.log.Info("web: read-only access granted", "owner", u.ID, "viewer", viewer.ID)
	http.Redirect(w, r, "/sharing?done=granted", http.StatusSeeOther)
}

// sharingRevoke takes back the access given to the user ID in the form.
func (s *Server) sharingRevoke(w http.ResponseWriter, r *http.Request) {
	u := reqOf(r).user
	id, err := strconv.ParseInt(r.PostFormValue("viewer"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, &cointally.Error{Kind: cointally.KindInvalid, Message: "Choose whose access to take back."})
		return
	}
	if err := s.cfg.Store.DeleteGrant(r.Context(), u.ID, id); err != nil {
		s.fail(w, r, fmt.Errorf("web: revoking access: %w", err))
		return
	}
	s.log.Info("web: read-only access revoked", "owner", u.ID, "viewer", id)
	http.Redirect(w, r, "/sharing?done=revoked", http.StatusSeeOther)
}
