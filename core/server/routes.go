package server

import (
	"net/http"

	"github.com/kernelwork/kernelwork/core/apikeys"
	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/embeds"
	"github.com/kernelwork/kernelwork/core/health"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/media"
	"github.com/kernelwork/kernelwork/core/realtime"
)

// features lists every feature's route registration, in the order they are
// mounted. A feature registers Go 1.22 patterns ("POST /api/v1/...") on mux.
var features = []func(mux *http.ServeMux, a *app.App){
	health.Register,
	embeds.Register,
	identity.Register,
	media.Register,
	realtime.Register,
	apikeys.Register,
}
