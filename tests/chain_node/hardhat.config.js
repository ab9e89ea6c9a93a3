// A bare JSON-RPC node for the ledger test: no Solidity, no plugins, loopback only.
// The node is started with --hostname 127.0.0.1; chainId is fixed so the test can check it.
module.exports = {
  networks: {
    hardhat: {
      chainId: 31337,
      hardfork: "cancun",
      mining: { auto: true },
    },
  },
};
