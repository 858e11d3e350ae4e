package config

import "time"

// Embeds governs the tokens of video embeds.
type Embeds struct {
	// TokenTTL is the lifetime of an embed token.
	TokenTTL time.Duration
}

// loadEmbeds reads the embed settings.
func loadEmbeds(l *Loader) Embeds {
	return Embeds{
		TokenTTL: l.Duration(Var{
			Name: "KW_EMBED_TOKEN_TTL", Default: "5m",
			Description: "lifetime of an embed token, bound to the origin it was issued to",
		},
			30*time.Second, 15*time.Minute),
	}
}
