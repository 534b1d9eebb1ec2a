package plaza

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// CreateAppRequest describes a new app. Spec holds the limits that differ
// from the defaults, by their spec field names.
type CreateAppRequest struct {
	AppID            string          `json:"appID,omitempty"`
	Name             string          `json:"name"`
	CommunityEnabled bool            `json:"communityEnabled"`
	Spec             json.RawMessage `json:"spec,omitempty"`
}

// CreateApp creates an app with a new server secret. An empty AppID asks for
// a generated one: a random 10-digit number, as the reference's app IDs are.
func (s *Service) CreateApp(ctx context.Context, req CreateAppRequest) (App, error) {
	spec := DefaultSpec()
	if len(req.Spec) > 0 && string(req.Spec) != "null" {
		if err := DecodeJSON(req.Spec, &spec); err != nil {
			return App{}, specField(err)
		}
	}
	if err := spec.Validate(); err != nil {
		return App{}, specField(err)
	}
	if req.AppID != "" {
		if err := checkID("appID", req.AppID); err != nil {
			return App{}, err
		}
	}
	if err := checkLine("name", req.Name, 300); err != nil {
		return App{}, err
	}
	secret, err := NewSecret()
	if err != nil {
		return App{}, err
	}
	now := s.nowMs()
	app := App{
		AppID:            req.AppID,
		Name:             req.Name,
		CommunityEnabled: req.CommunityEnabled,
		Spec:             spec,
		Secrets:          []Secret{{Secret: secret, CreatedAt: now}},
		Webhook:          WebhookConfig{Events: []string{}},
		CreatedAt:        now,
	}
	for attempt := 0; ; attempt++ {
		if req.AppID == "" {
			if app.AppID, err = newAppID(); err != nil {
				return App{}, err
			}
		}
		err = s.store.Update(ctx, func(tx Tx) error {
			if err := tx.InsertApp(ctx, app); err != nil {
				return err
			}
			return tx.RecordSpec(ctx, app.AppID, now, app.Spec)
		})
		if errors.Is(err, ErrConflict) && req.AppID == "" && attempt < 5 {
			continue // a generated ID collided; draw another
		}
		if errors.Is(err, ErrConflict) {
			return App{}, FieldErrorf(EAppExists, "appID", "app %s already exists", app.AppID)
		}
		if err != nil {
			return App{}, fmt.Errorf("insert app: %w", err)
		}
		return app, nil
	}
}

// AppCount returns the number of apps in the store.
func (s *Service) AppCount(ctx context.Context) (int, error) {
	return s.store.AppCount(ctx)
}

// App returns an app with its secrets.
func (s *Service) App(ctx context.Context, appID string) (App, error) {
	app, err := s.store.App(ctx, appID)
	if errors.Is(err, ErrNotFound) {
		return app, Errorf(EAppNotFound, "app %s does not exist", appID)
	}
	return app, err
}

// NewSecret returns a new server secret: 32 hexadecimal characters.
func NewSecret() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("secret: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

func newAppID() (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("app ID: %w", err)
	}
	// 1,000,000,000 to 4,294,967,295: always ten digits.
	n := 1_000_000_000 + uint64(binary.BigEndian.Uint32(b[:]))%3_294_967_296
	return strconv.FormatUint(n, 10), nil
}
