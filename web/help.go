package web

import "net/http"

func (s *Server) help(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "help", nil)
}
