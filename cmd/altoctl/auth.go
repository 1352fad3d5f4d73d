package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/internal/access"
)

// readPassword returns the first line of r without its line ending.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("the first line is empty")
	}
	return line, nil
}

func newAuthCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Make credentials for altod's access section",
	}
	cmd.AddCommand(newDigestHA1Command(a))
	return cmd
}

func newDigestHA1Command(a *app) *cobra.Command {
	var user, realm string
	cmd := &cobra.Command{
		Use:   "digest-ha1 --user NAME",
		Short: "Print the HA1 digests of a Digest client, reading the password from stdin",
		Long: `Read a password from the first line of standard input and print the HA1
digests H(user:realm:password) of HTTP Digest authentication (RFC 7616)
for SHA-256 and MD5, as the ha1-sha256 and ha1-md5 fields of a digest
client in altod's access section. The realm must be altod's realm
(access.realm or auth-realm, default ALTO): a changed realm invalidates
every HA1. An HA1 lets anyone authenticate as the user in that realm, so
keep the definition file as private as a password file.`,
		Example: "  printf '%s\\n' 'the password' | altoctl auth digest-ha1 --user alice",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.started = true
			if user == "" {
				return usagef("--user is required")
			}
			password, err := readPassword(cmd.InOrStdin())
			if err != nil {
				return usagef("reading the password from standard input: %v", err)
			}
			return a.printHA1(user, realm, password)
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "client ID, the Digest user name")
	cmd.Flags().StringVar(&realm, "realm", access.DefaultRealm, "realm of altod's challenges")
	return cmd
}

// printHA1 prints the HA1 digests as YAML fields, or as JSON with --json.
func (a *app) printHA1(user, realm, password string) error {
	sha, err := access.HA1("SHA-256", user, realm, password)
	if err != nil {
		return err
	}
	md, err := access.HA1("MD5", user, realm, password)
	if err != nil {
		return err
	}
	if a.jsonOutput {
		return writeJSONValue(a.stdout, map[string]string{"client-id": user, "realm": realm, "ha1-sha256": sha, "ha1-md5": md})
	}
	_, err = fmt.Fprintf(a.stdout, "ha1-sha256: %s\nha1-md5: %s\n", sha, md)
	return err
}
