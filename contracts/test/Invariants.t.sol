// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {InvariantSuite} from "./utils/InvariantSuite.sol";
import {InvariantHandlerBase} from "./utils/InvariantHandlerBase.sol";
import {LicenseHandlerBase, Lineage} from "./utils/LicenseHandlerBase.sol";
import {SaharaToken} from "../src/SaharaToken.sol";
import {AssetRegistry} from "../src/AssetRegistry.sol";
import {RoyaltyVault} from "../src/RoyaltyVault.sol";
import {LicenseMarket} from "../src/LicenseMarket.sol";
import {TaskBoard} from "../src/TaskBoard.sol";

/// @dev Random walks over every flow of the system, with ghost accounting.
contract Handler is LicenseHandlerBase {
    TaskBoard public board;

    uint256[] public campaigns;
    address[] internal submittedBy; // TaskBoard submissions awaiting review: labeler and pool index
    uint24[] internal submittedAt;
    address[] internal reviewedBy; // reviews with rejections, settled in settleAll
    uint24[] internal reviewedAt;

    // ghosts (the vault's and the licenses' are in LicenseHandlerBase)
    uint256 public ghostSubmits;
    uint256 public ghostSettles;
    uint256 public ghostBought;
    uint256 public ghostDelivered;
    uint256 public ghostRefunded;
    uint256 public ghostLabelerPaid; // credited by reviews/finalize
    uint256 public ghostCampaignCapacity; // items x redundancy x reward over all campaigns

    constructor(
        SaharaToken token_,
        AssetRegistry registry_,
        RoyaltyVault vault_,
        LicenseMarket market_,
        TaskBoard board_,
        address[4] memory actors_,
        Lineage memory lineage
    ) LicenseHandlerBase(token_, registry_, vault_, market_, actors_, 2 days, lineage) {
        board = board_;
    }

    function counts() external view returns (uint256, uint256, uint256) {
        return (assets.length, campaigns.length, licenses.length);
    }

    // ---------------------------------------------------------------- labeling
    function createCampaign(uint256 seed, uint16 items, uint8 red, uint8 batch, uint72 reward) external {
        address who = _actor(seed);
        TaskBoard.CampaignParams memory p;
        p.manifestCid = "bafkreimanifest";
        p.itemCount = uint32(items % 200) + 1;
        p.redundancy = red % 3 + 1;
        p.batchSize = uint16(batch % 20) + 1;
        p.rewardPerItem = reward % 1e18 + 1;
        p.claimTtl = 1 hours;
        p.reviewWindow = 1 days;
        vm.prank(who);
        uint256 cid = board.createCampaign(p);
        campaigns.push(cid);
        ghostCampaignCapacity += board.escrowFor(p.itemCount, p.redundancy, p.rewardPerItem);
    }

    function claimBatch(uint256 seed, uint256 cSeed) external {
        if (campaigns.length == 0) this.createCampaign(seed >> 8, uint16(seed >> 16), uint8(seed >> 32), 10, 1e15);
        vm.prank(_actor(seed));
        try board.claimBatch(campaigns[cSeed % campaigns.length]) {} catch {}
    }

    /// @dev First slot of `who` in `status`, or 16.
    function _find(address who, TaskBoard.SlotStatus status) internal view returns (uint8 slot) {
        for (; slot < 16; ++slot) {
            if (board.getSlot(who, slot).status == status) return slot;
        }
    }

    /// @dev Take some submission awaiting review (`found` false when there is none).
    function _takeSubmitted(uint256 seed) internal returns (bool found, address who, uint24 sub) {
        uint256 n = submittedAt.length;
        if (n == 0) return (false, address(0), 0);
        uint256 k = seed % n;
        (who, sub) = (submittedBy[k], submittedAt[k]);
        (submittedBy[k], submittedAt[k]) = (submittedBy[n - 1], submittedAt[n - 1]);
        submittedBy.pop();
        submittedAt.pop();
        found = true;
    }

    function submitBatch(uint256 seed) external {
        address who = _actor(seed);
        uint8 slot = _find(who, TaskBoard.SlotStatus.Claimed);
        if (slot == 16) {
            this.claimBatch(seed, seed >> 8); // keep flows moving: claim first
            slot = _find(who, TaskBoard.SlotStatus.Claimed);
            if (slot == 16) return;
        }
        vm.prank(who);
        submittedAt.push(board.submitBatch(slot, "bafkreiresult", bytes32(seed)));
        submittedBy.push(who);
        ghostSubmits++;
    }

    function reviewBatch(uint256 seed, uint16 accepted) external {
        (bool found, address who, uint24 sub) = _takeSubmitted(seed);
        if (!found) {
            this.submitBatch(seed);
            (found, who, sub) = _takeSubmitted(seed);
            if (!found) return;
        }
        TaskBoard.Submission memory s = board.getSubmission(who, sub);
        TaskBoard.Campaign memory c = board.getCampaign(s.campaignId);
        accepted = uint16(accepted % (s.items + 1));
        vm.prank(c.requester);
        board.reviewBatch(TaskBoard.Review(who, sub, s.campaignId, s.batch, accepted), "");
        if (accepted < s.items) {
            reviewedBy.push(who);
            reviewedAt.push(sub);
        }
        ghostSettles++;
        ghostLabelerPaid += uint256(accepted) * c.rewardPerItem;
    }

    function finalizeBatch(uint256 seed) external {
        (bool found, address who, uint24 sub) = _takeSubmitted(seed);
        if (!found) {
            this.submitBatch(seed);
            (found, who, sub) = _takeSubmitted(seed);
            if (!found) return;
        }
        TaskBoard.Submission memory s = board.getSubmission(who, sub);
        TaskBoard.Campaign memory c = board.getCampaign(s.campaignId);
        _warpPast(uint256(s.time) + c.reviewWindow);
        board.finalize(who, sub, s.campaignId, s.batch);
        ghostSettles++;
        ghostLabelerPaid += uint256(s.items) * c.rewardPerItem;
    }

    function releaseBatch(uint256 seed, bool self) external {
        address who = _actor(seed);
        uint8 slot = _find(who, TaskBoard.SlotStatus.Claimed);
        if (slot == 16) return;
        TaskBoard.Slot memory s = board.getSlot(who, slot);
        if (self) {
            vm.prank(who);
        } else {
            _warpPast(uint256(s.time) + board.getCampaign(s.campaignId).claimTtl);
        }
        board.release(who, slot);
    }

    function closeCampaign(uint256 cSeed) external {
        if (campaigns.length == 0) return;
        uint256 cid = campaigns[cSeed % campaigns.length];
        vm.prank(board.getCampaign(cid).requester);
        try board.close(cid) {} catch {}
    }

    function withdrawEarnings(uint256 seed) external {
        vm.prank(_actor(seed));
        try board.withdraw() {} catch {}
    }

    // ---------------------------------------------------------------- licensing & royalties
    function buyLicense(uint256 seed, uint256 oSeed) external {
        address who = _actor(seed);
        vm.prank(who);
        try market.buy(offers[oSeed % offers.length], hex"04abcdef") returns (uint256 id) {
            licenses.push(id);
            ghostBought++;
        } catch {}
    }

    function deliver(uint256 lSeed) external {
        if (_licenseIn(lSeed, LicenseMarket.Status.Pending) == 0) this.buyLicense(lSeed, lSeed >> 8);
        uint256 id = _licenseIn(lSeed, LicenseMarket.Status.Pending);
        if (id == 0) return;
        if (block.timestamp > market.getLicense(id).deadline) return; // late: the market refuses it, only a refund remains
        uint256 revenue = _revenue(id);
        vm.prank(registry.ownerOf(market.assetOfLicense(id)));
        market.recordDelivery(id, "bafkreiwrapped");
        ghostDelivered++;
        _end(id, 1);
        ghostIntoVault += revenue;
    }

    function refundLicense(uint256 lSeed) external {
        if (_licenseIn(lSeed, LicenseMarket.Status.Pending) == 0) this.buyLicense(lSeed, lSeed >> 8);
        uint256 id = _licenseIn(lSeed, LicenseMarket.Status.Pending);
        if (id == 0) return;
        _refund(id);
        ghostRefunded++;
    }

    function depositRevenue(uint256 seed, uint256 aSeed, uint96 amount) external {
        _deposit(seed, aSeed, uint96(amount % 1e21) + 1);
    }

    function claimRoyalty(uint256 seed, uint256 aSeed) external {
        uint256 assetId = assets[aSeed % assets.length];
        uint256 i = seed % 4;
        (bytes32 root,,,,) = registry.contributorSplit(assetId);
        if (root != bytes32(0)) _claim(assetId, actors[i], weights[i], _proof(i));
        else _claim(assetId, registry.ownerOf(assetId), 0, new bytes32[](0));
    }

    // ---------------------------------------------------------------- settle everything (afterInvariant)
    function settleAll() external {
        vm.warp(block.timestamp + 30 days);
        // labeling: release stale claims, auto-approve submissions, settle rejections, close, withdraw
        for (uint256 a; a < 4; ++a) {
            for (uint8 s; s < 16; ++s) {
                if (board.getSlot(actors[a], s).status == TaskBoard.SlotStatus.Claimed) board.release(actors[a], s);
            }
        }
        for (uint256 i; i < submittedAt.length; ++i) {
            TaskBoard.Submission memory sub = board.getSubmission(submittedBy[i], submittedAt[i]);
            board.finalize(submittedBy[i], submittedAt[i], sub.campaignId, sub.batch);
        }
        for (uint256 i; i < reviewedAt.length; ++i) {
            TaskBoard.Submission memory sub = board.getSubmission(reviewedBy[i], reviewedAt[i]);
            board.settleReview(reviewedBy[i], reviewedAt[i], sub.campaignId, sub.batch);
        }
        _closeCampaigns(board, campaigns);
        // licenses: refund everything still pending
        for (uint256 i; i < licenses.length; ++i) {
            if (market.getLicense(licenses[i]).status == LicenseMarket.Status.Pending) _refund(licenses[i]);
        }
        // royalties: children before parents, then every claim
        _distributeAll();
        for (uint256 i; i < assets.length; ++i) {
            for (uint256 a; a < 4; ++a) this.claimRoyalty(a, i);
        }
        _withdrawEarnings(board);
    }
}

contract InvariantsTest is InvariantSuite {
    Handler handler;

    function setUp() public {
        deploySystem();
        setUpActors("a", 1e30, spenders(address(board), address(market), address(vault)));
        uint256[4] memory w = [uint256(5), 3, 1, 1];
        bytes32[] memory leaves = new bytes32[](4);
        for (uint256 i; i < 4; ++i) leaves[i] = leaf(actors[i], w[i]);
        bytes32 root = merkleRoot(leaves);

        uint256[] memory assets = new uint256[](3);
        vm.prank(actors[0]);
        assets[0] = registry.register(registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, root, 10));
        vm.prank(actors[0]);
        assets[1] = registry.register(registration(AssetRegistry.Kind.Model, one(assets[0]), 2_000, 0, 0));
        vm.prank(actors[0]);
        assets[2] = registry.register(registration(AssetRegistry.Kind.Agent, one(assets[1]), 1_500, 0, 0));
        vm.prank(actors[0]);
        registry.transferFrom(actors[0], actors[1], assets[1]);
        vm.prank(actors[0]);
        registry.transferFrom(actors[0], actors[2], assets[2]);

        // Settle at delivery here (no dispute window): disputes have their own suite,
        // MarketInvariants.t.sol.
        vm.prank(admin);
        market.setDisputeTerms(0, 1_000, 14 days);
        uint256[] memory offers = new uint256[](3);
        for (uint256 i; i < 3; ++i) {
            vm.prank(registry.ownerOf(assets[i]));
            offers[i] = market.createOffer(
                LicenseMarket.OfferTerms({
                    assetId: assets[i],
                    price: uint96(10e18 * (i + 1)),
                    duration: i == 0 ? 0 : 7 days,
                    maxLicenses: i == 2 ? 3 : 0,
                    commercialUse: true,
                    derivativesAllowed: i != 1,
                    transferable: false
                })
            );
        }

        handler = new Handler(token, registry, vault, market, board, actors, Lineage(w, leaves, assets, offers));
        bytes4[] memory selectors = new bytes4[](15);
        selectors[0] = InvariantHandlerBase.warp.selector;
        selectors[1] = Handler.createCampaign.selector;
        selectors[2] = Handler.claimBatch.selector;
        selectors[3] = Handler.submitBatch.selector;
        selectors[4] = Handler.reviewBatch.selector;
        selectors[5] = Handler.finalizeBatch.selector;
        selectors[6] = Handler.releaseBatch.selector;
        selectors[7] = Handler.closeCampaign.selector;
        selectors[8] = Handler.withdrawEarnings.selector;
        selectors[9] = Handler.buyLicense.selector;
        selectors[10] = Handler.deliver.selector;
        selectors[11] = Handler.refundLicense.selector;
        selectors[12] = Handler.depositRevenue.selector;
        selectors[13] = LicenseHandlerBase.distribute.selector;
        selectors[14] = Handler.claimRoyalty.selector;
        target(address(handler), selectors);
    }

    // ---------------------------------------------------------------- accounting identities
    function _boardLiabilities() internal view returns (uint256 sum) {
        (, uint256 nCampaigns,) = handler.counts();
        for (uint256 i; i < nCampaigns; ++i) sum += board.getCampaign(handler.campaigns(i)).escrow;
        for (uint256 a; a < 4; ++a) sum += board.getLabeler(actors[a]).earnings;
        sum += board.bondsHeld();
    }

    function _marketLiabilities() internal view returns (uint256 sum) {
        (,, uint256 nLicenses) = handler.counts();
        for (uint256 i; i < nLicenses; ++i) {
            LicenseMarket.License memory l = market.getLicense(handler.licenses(i));
            if (l.status == LicenseMarket.Status.Pending) sum += l.paid;
        }
    }

    function _vaultLiabilities() internal view returns (uint256 sum, uint256 inflow) {
        for (uint256 i; i < 3; ++i) {
            uint256 id = handler.assets(i);
            (uint256 accrued,,) = vault.pool(id);
            uint256 released = vault.claimed(id, address(0));
            for (uint256 a; a < 4; ++a) released += vault.claimed(id, actors[a]);
            assertLe(released, accrued, "released > accrued");
            sum += vault.pending(id) + accrued - released;
            inflow += vault.pending(id) + accrued;
        }
    }

    /// @dev One invariant function checking everything (each runs its own campaign in forge).
    function invariant_accounting() public view {
        // tokens are conserved: nothing minted or burnt by any flow
        assertEq(token.totalSupply(), supply);
        // each contract holds exactly what it owes
        assertEq(token.balanceOf(address(board)), _boardLiabilities(), "board");
        assertEq(token.balanceOf(address(market)), _marketLiabilities(), "market");
        (uint256 vaultOwes, uint256 inflow) = _vaultLiabilities();
        assertEq(token.balanceOf(address(vault)), vaultOwes, "vault");
        assertEq(inflow, handler.ghostIntoVault(), "vault inflow");
        assertEq(token.balanceOf(address(vault)), handler.ghostIntoVault() - handler.ghostClaimed());
        // nobody paid twice
        assertFalse(handler.endedTwice());
        assertLe(handler.ghostDelivered() + handler.ghostRefunded(), handler.ghostBought());
        assertLe(handler.ghostSettles(), handler.ghostSubmits());
        assertLe(handler.ghostLabelerPaid(), handler.ghostCampaignCapacity());
        uint256 labelerTotal;
        for (uint256 a; a < 4; ++a) labelerTotal += board.getLabeler(actors[a]).earnings;
        assertLe(labelerTotal, handler.ghostLabelerPaid());
    }

    /// @dev After each run: settle every escrow; all of it must end paid or refunded.
    function afterInvariant() external {
        handler.settleAll();
        assertEq(token.balanceOf(address(board)), 0, "board not settled");
        assertEq(token.balanceOf(address(market)), 0, "market not settled");
        assertLe(token.balanceOf(address(vault)), 10, "vault dust");
        assertEq(token.totalSupply(), supply);
    }

    /// @dev The handler really exercises every flow (guards against a vacuous invariant run).
    function test_handlerExercisesEveryFlow() public {
        handler.createCampaign(0, 99, 0, 9, 1e15);
        handler.claimBatch(1, 0);
        handler.submitBatch(1);
        handler.reviewBatch(1, 5);
        handler.claimBatch(2, 0);
        handler.submitBatch(2);
        handler.finalizeBatch(2);
        handler.claimBatch(3, 0);
        handler.releaseBatch(3, false);
        assertEq(handler.ghostSettles(), 2);
        handler.buyLicense(1, 2);
        handler.buyLicense(3, 0);
        handler.deliver(0);
        handler.refundLicense(0);
        assertEq(handler.ghostDelivered(), 1);
        assertEq(handler.ghostRefunded(), 1);
        handler.depositRevenue(0, 0, 1e18);
        handler.distribute(2);
        handler.distribute(1);
        handler.claimRoyalty(0, 0);
        handler.claimRoyalty(0, 2);
        assertGt(handler.ghostClaimed(), 0);
        handler.withdrawEarnings(1);
        invariant_accounting();
        this.afterInvariant();
    }
}
