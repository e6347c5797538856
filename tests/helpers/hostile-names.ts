// Names from outside (PeeringDB, Peering Manager) that try to break out of where peerbot puts
// them: the render injection tests feed them to every platform's template, the e-mail header
// tests to composeEmail, and the benchmark's data generator mixes the odd ones into its names.

/** Aimed at router configurations: each tries to add a neighbour or end a block. */
export const HOSTILE_NAMES = [
  '"; delete protocols bgp; "',
  "evil\nprotocol bgp evil { neighbor 6.6.6.6 as 666; }\n",
  "} protocol bgp evil2 { neighbor 6.6.6.7 as 667; } {",
  "!\nrouter bgp 666\n neighbor 6.6.6.8 remote-as 668\n!",
  "# inactive: neighbor 6.6.6.9 { peer-as 669; }",
  "*/ neighbor 6.6.6.10 { peer-as 670; } /*",
  'back\\slash \\" quote\\',
  "tab\there\r\nCRLF\u2028LS\u2029PS\u0085NEL\u000bVT\u0001SOH\u001bESC",
  "Ünïcödé Türk 東京 🚀 \u202eRTL\u200b",
  "x".repeat(5000) + "\n neighbor 6.6.6.11 remote-as 671",
  "$9$abc ? | exit\nend\nconfigure terminal\n neighbor 6.6.6.12 remote-as 672",
  "'; drop table sessions; --",
  "\n   neighbor 6.6.6.13 peer group pb-evil\n   neighbor 6.6.6.13 remote-as 673",
  "} } } end-policy\nroute-policy evil\n  pass\nend-policy",
];

/** Real networks' names are odd too: quotes, ampersands, non-Latin scripts, a backslash. */
export const ODD_NAMES = [
  'BT\'s "Global" Network',
  "Telefónica Germany GmbH & Co. OHG",
  "PŸUR - Süd",
  "Łódź Światłowód",
  "İstanbul İnternet A.Ş.",
  "中国电信 ChinaNet",
  "NTT コミュニケーションズ",
  "Backslash \\ Networks",
  "O'Reilly Fibre",
  "Ümlaut “Curly” Net",
];
