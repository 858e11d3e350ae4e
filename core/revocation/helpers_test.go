package revocation_test

import (
	"time"

	"github.com/redis/go-redis/v9"
)

func redisZ(at time.Time, member string) redis.Z {
	return redis.Z{Score: float64(at.Unix()), Member: member}
}
