package web

import (
	"net/http"
	"strings"

	"github.com/cointally/cointally"
)

type usersData struct {
	Users []*cointally.User
	Name  string
	Admin bool
	Error string
	Added string
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	s.showUsers(w, r, http.StatusOK, usersData{})
}

func (s *Server) showUsers(w http.ResponseWriter, r *http.Request, status int, data usersData) {
	users, err := s.cfg.Store.Users(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data.Users = users
	s.render(w, r, status, "users", data)
}

// userCreate adds a user (admins only).
func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("username"))
	admin := r.PostFormValue("admin") == "on"
	_, err := s.setPassword(r.Context(), name, r.PostFormValue("password"), r.PostFormValue("password2"), admin)
	if err != nil {
		if cointally.KindOf(err) == cointally.KindOther {
			s.fail(w, r, err)
			return
		}
		s.showUsers(w, r, statusOf[cointally.KindOf(err)], usersData{Name: name, Admin: admin, Error: s.userMessage(err)})
		return
	}
	s.showUsers(w, r, http.StatusOK, usersData{Added: name})
}
