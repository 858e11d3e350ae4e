package app

import (
	"fmt"

	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kernelwork/kernelwork/config"
)

// NewS3 returns a client for the configured S3-compatible store. It makes no
// network call.
func NewS3(c config.S3) (*minio.Client, error) {
	cl, err := minio.New(c.Endpoint.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(c.AccessKey, c.SecretKey, ""),
		Secure:       c.Endpoint.Scheme == "https",
		Region:       c.Region,
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return nil, fmt.Errorf("configuring s3 client for KW_S3_ENDPOINT: %w", err)
	}
	return cl, nil
}

// LiveKitHTTPURL returns the LiveKit URL with an http(s) scheme, as its API
// expects; clients are given the ws(s) form.
func LiveKitHTTPURL(c config.LiveKit) string {
	u := *c.URL
	switch u.Scheme {
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	}
	return u.String()
}

// NewRoomService returns a client of LiveKit's room service API.
func NewRoomService(c config.LiveKit) *lksdk.RoomServiceClient {
	return lksdk.NewRoomServiceClient(LiveKitHTTPURL(c), c.APIKey, c.APISecret)
}
