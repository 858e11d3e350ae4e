package attachments

import (
	"context"
	"fmt"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/encrypt"

	"github.com/kernelwork/kernelwork/config"
)

// probeKey is the object CheckStore writes and removes.
const probeKey = "kernelwork/store-probe"

// CheckStore checks at start-up that the bucket is reachable and that the
// store really applies the configured server-side encryption: with
// KW_S3_SSE=sse-s3 it writes a probe object asking for SSE-S3 and refuses to
// start when the store does not report it encrypted (some stores accept the
// header and ignore it).
func (s *Service) CheckStore(ctx context.Context) error {
	sctx, cancel := storeContext(ctx)
	defer cancel()
	ok, err := s.s3.BucketExists(sctx, s.a.Config.S3.Bucket)
	if err != nil {
		return fmt.Errorf("checking bucket KW_S3_BUCKET=%s at KW_S3_ENDPOINT: %w",
			s.a.Config.S3.Bucket, err)
	}
	if !ok {
		return fmt.Errorf("bucket KW_S3_BUCKET=%s does not exist at KW_S3_ENDPOINT",
			s.a.Config.S3.Bucket)
	}
	if s.cfg.SSE != config.SSES3 {
		return nil
	}
	return s.checkSSES3(sctx)
}

func (s *Service) checkSSES3(ctx context.Context) error {
	bucket := s.a.Config.S3.Bucket
	_, err := s.s3.PutObject(ctx, bucket, probeKey, strings.NewReader("probe"), 5,
		minio.PutObjectOptions{ServerSideEncryption: encrypt.NewSSE()})
	if err != nil {
		return fmt.Errorf("KW_S3_SSE=sse-s3: the store refused an encrypted write: %w", err)
	}
	defer func() { _ = s.s3.RemoveObject(ctx, bucket, probeKey, minio.RemoveObjectOptions{}) }()
	info, err := s.s3.StatObject(ctx, bucket, probeKey, minio.StatObjectOptions{})
	if err != nil {
		return fmt.Errorf("KW_S3_SSE=sse-s3: reading the probe object: %w", err)
	}
	if info.Metadata.Get("X-Amz-Server-Side-Encryption") != "AES256" {
		return fmt.Errorf("KW_S3_SSE=sse-s3, but the store at KW_S3_ENDPOINT accepted an " +
			"SSE-S3 write without encrypting it; this store cannot do SSE-S3: use a store " +
			"that does, or set KW_S3_SSE=none")
	}
	return nil
}
