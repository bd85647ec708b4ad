package web

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/cointally/cointally"
)

// addData is the add-exchange form's data. It holds no private key: the
// private key field is write-only and always comes back empty.
type addData struct {
	Exchanges          []Exchange
	Name, APIKey, Tier string
	AllowRisky         bool
	Tested             bool // the private key was given and tested: ask for it again
	Audit              *AuditView
	Error              string
	Tiers              []string
}

var tiers = []string{"starter", "intermediate", "pro"}

// Exchange is an exchange that accounts can be added for.
type Exchange struct {
	ID, Name string
	What     string // what is imported from it
}

// Exchanges lists the supported exchanges, offered first on the Add
// exchange page. The design lets more plug in (cointally.Exchange); Kraken
// is the first.
var Exchanges = []Exchange{
	{ID: "kraken", Name: "Kraken", What: "spot ledger, trades, orders, balances, deposits and withdrawals"},
}

var accountNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$`)

func (s *Server) accountNewForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "account_new", addData{Exchanges: Exchanges, Tier: "starter", Tiers: tiers})
}

// accountNew tests the key (action "test") or stores it and starts the
// first import (action "save").
func (s *Server) accountNew(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := reqOf(r).user
	k := KeyInput{
		Name:       strings.TrimSpace(r.PostFormValue("name")),
		APIKey:     strings.TrimSpace(r.PostFormValue("api_key")),
		PrivateKey: strings.TrimSpace(r.PostFormValue("private_key")),
		Tier:       r.PostFormValue("tier"),
		AllowRisky: r.PostFormValue("allow_risky") == "on",
	}
	data := addData{Exchanges: Exchanges, Name: k.Name, APIKey: k.APIKey, Tier: k.Tier, AllowRisky: k.AllowRisky, Tiers: tiers,
		Tested: k.PrivateKey != ""}
	bad := func(status int, msg string) {
		data.Error = msg
		s.render(w, r, status, "account_new", data)
	}
	if ex := r.PostFormValue("exchange"); ex != "" && ex != "kraken" {
		bad(http.StatusBadRequest, "Choose an exchange from the list: cointally supports Kraken so far.")
		return
	}
	if !validTier(k.Tier) {
		bad(http.StatusBadRequest, "Choose your Kraken verification tier.")
		return
	}
	if k.APIKey == "" || k.PrivateKey == "" {
		bad(http.StatusBadRequest, "Paste both the API key and the private key.")
		return
	}
	if r.PostFormValue("action") == "test" {
		audit, err := s.cfg.Connector.TestKey(ctx, k)
		if err != nil {
			s.connectorError(w, r, err, bad)
			return
		}
		data.Audit = audit
		s.render(w, r, http.StatusOK, "account_new", data)
		return
	}
	if !accountNameRE.MatchString(k.Name) {
		bad(http.StatusBadRequest, "Give the account a name: 1 to 64 letters, digits, spaces, dots, dashes or underscores.")
		return
	}
	acct, audit, err := s.cfg.Connector.AddAccount(ctx, u.ID, k)
	if err != nil {
		data.Audit = audit
		s.connectorError(w, r, err, bad)
		return
	}
	if err := s.cfg.Syncer.SyncNow(ctx, acct.ID); err != nil && cointally.KindOf(err) != cointally.KindConflict {
		s.log.Error("web: starting the first import", "account", acct.ID, "error", err)
	}
	http.Redirect(w, r, accountURL(acct), http.StatusSeeOther)
}

// connectorError shows a connector's error on the form, or the error page
// for a failure of the server itself.
func (s *Server) connectorError(w http.ResponseWriter, r *http.Request, err error, bad func(int, string)) {
	kind := cointally.KindOf(err)
	if kind == cointally.KindOther {
		s.fail(w, r, err)
		return
	}
	bad(statusOf[kind], s.userMessage(err))
}

func validTier(t string) bool {
	for _, x := range tiers {
		if t == x {
			return true
		}
	}
	return false
}
