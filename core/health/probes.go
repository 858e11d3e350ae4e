package health

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/livekit/protocol/livekit"

	"github.com/kernelwork/kernelwork/core/app"
)

// Probes returns one probe per component the configuration names.
func Probes(a *app.App) []probe {
	cfg := a.Config
	return []probe{
		{Component{
			Name: "postgresql", Plane: "control", Endpoint: pgEndpoint(a.DB),
			Role: "durable store: tenants, users, sessions, messages",
		}, func(ctx context.Context) (string, error) {
			var v string
			err := a.DB.QueryRow(ctx, "SHOW server_version").Scan(&v)
			return v, err
		}},
		{Component{
			Name: "redis", Plane: "control", Endpoint: a.Redis.Options().Addr,
			Role: "revocations, rate limits, realtime fan-out",
		}, func(ctx context.Context) (string, error) {
			info, err := a.Redis.Info(ctx, "server").Result()
			return infoField(info, "redis_version"), err
		}},
		{Component{
			Name: "s3", Plane: "storage", Endpoint: cfg.S3.Endpoint.String() + "/" + cfg.S3.Bucket,
			Role: "attachments and recordings",
		}, func(ctx context.Context) (string, error) {
			return s3Check(ctx, a)
		}},
		{Component{
			Name: "livekit", Plane: "media", Endpoint: cfg.LiveKit.URL.String(),
			Role: "WebRTC SFU; the core issues its tokens",
		}, func(ctx context.Context) (string, error) {
			_, err := app.NewRoomService(cfg.LiveKit).ListRooms(ctx, &livekit.ListRoomsRequest{})
			return "", err
		}},
		{Component{
			Name: "coturn", Plane: "media", Endpoint: strings.Join(cfg.TURN.URIs, " "),
			Role: "TURN relay fallback; the core issues its credentials",
		}, func(ctx context.Context) (string, error) {
			return "", turnCheck(ctx, cfg.TURN.URIs)
		}},
	}
}

func pgEndpoint(db *pgxpool.Pool) string {
	c := db.Config().ConnConfig
	return fmt.Sprintf("%s:%d/%s", c.Host, c.Port, c.Database)
}

func s3Check(ctx context.Context, a *app.App) (string, error) {
	cl, err := app.NewS3(a.Config.S3)
	if err != nil {
		return "", err
	}
	ok, err := cl.BucketExists(ctx, a.Config.S3.Bucket)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("bucket %s does not exist", a.Config.S3.Bucket)
	}
	// the store names itself in the Server header, when it does
	req, _ := http.NewRequestWithContext(ctx, http.MethodHead, a.Config.S3.Endpoint.String(), nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_ = resp.Body.Close()
		return resp.Header.Get("Server"), nil
	}
	return "", nil
}

// turnCheck opens a TCP connection to the first turn: URI's host and port;
// the TURN protocol itself is exercised by the call tests.
func turnCheck(ctx context.Context, uris []string) error {
	if len(uris) == 0 {
		return errors.New("no TURN URI configured")
	}
	hostport := strings.TrimPrefix(strings.TrimPrefix(uris[0], "turns:"), "turn:")
	if i := strings.IndexByte(hostport, '?'); i >= 0 {
		hostport = hostport[:i]
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", hostport)
	if err != nil {
		return err
	}
	return conn.Close()
}

func infoField(info, key string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), key+":"); ok {
			return v
		}
	}
	return ""
}

// summarize keeps the last, most specific part of an error, cut short.
func summarize(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
