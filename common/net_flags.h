// The five network flags every hem binary shares (replay_server, learner,
// actor, cluster_status, and the deploy/ supervisor), defined once here and
// read into a NetConfig (common/net_config.h). Each flag's default is
// NetConfig's, and each flag is named like its field; the one field -> flag
// table of the member `net` ("net.bind_host" -> "bind_host", ...) is here,
// and each binary applies it after its own table (NetFlagError).
//
//   --bind_host        address to listen on (127.0.0.1; 0.0.0.0 = every interface)
//   --advertise_host   host others use to reach this process ("" = derived)
//   --credentials_dir  TLS + token directory from deploy/make_credentials.sh
//   --insecure         allow listening beyond loopback without credentials
//   --rendezvous_dir   publish host:port there; resolve rdzv:<role>/<index>
#ifndef HEM_COMMON_NET_FLAGS_H_
#define HEM_COMMON_NET_FLAGS_H_

#include "absl/status/status.h"
#include "common/net_config.h"

namespace hem {

// The (already parsed) flags as a NetConfig, not validated: the role's
// config validation checks it and names "net.<field>".
NetConfig NetConfigFromFlags();

// Rewrites "net.<field>: ..." (an error about a role config's `net`) into
// "--<flag>: ..."; any other status is returned unchanged.
absl::Status NetFlagError(const absl::Status& status);

}  // namespace hem

#endif  // HEM_COMMON_NET_FLAGS_H_
