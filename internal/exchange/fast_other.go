//go:build !unix

package exchange

import "net"

// alive cannot look at an idle connection here: it is taken as open.
func alive(net.Conn) bool { return true }
