// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {AssetRegistry} from "../src/AssetRegistry.sol";
import {LicenseMarket} from "../src/LicenseMarket.sol";
import {TaskBoard} from "../src/TaskBoard.sol";

/// @dev DESIGN.md's golden path, on-chain part: label -> publish dataset with labelers as
///      contributors -> model (parent: dataset) -> agent (parent: model) -> buyer licenses the
///      agent -> royalties reach agent creator, model creator and labelers, who claim them.
contract GoldenPathTest is Fixture {
    address requester = makeAddr("requester");
    address labelerA = makeAddr("labelerA");
    address labelerB = makeAddr("labelerB");
    address modeler = makeAddr("modeler");
    address builder = makeAddr("builder");
    address buyer;
    uint256 buyerKey;
    uint256 dataset;
    uint256 model;
    uint256 agent;
    bytes32[] leaves;

    function setUp() public {
        deploySystem();
        (buyer, buyerKey) = makeKey("buyer");
    }

    function test_goldenPath() public {
        _label();
        _publish();
        _sellAgent();
        _royalties();
    }

    function _label() internal {
        // faucet funds the requester and the buyer (devnet)
        faucet.dripTo(requester);
        faucet.dripTo(buyer);

        // 1. requester creates a 100-item digits campaign (batches of 25) and funds it with a permit
        TaskBoard.CampaignParams memory p = campaignParams(100, 1e18, 1, 25);
        vm.prank(requester);
        token.approve(address(board), 100e18);
        vm.prank(requester);
        uint256 cid = board.createCampaign(p);

        // 2. two labelers label everything; the requester reviews in one round (one batch 80% ok)
        TaskBoard.Review[] memory reviews = new TaskBoard.Review[](4);
        for (uint256 i; i < 4; ++i) {
            address who = i % 2 == 0 ? labelerA : labelerB;
            vm.prank(who);
            (uint8 slot, uint32 batch) = board.claimBatch(cid);
            vm.prank(who);
            uint24 sub = board.submitBatch(slot, "bafkreilabels", keccak256(abi.encode(i)));
            reviews[i] = TaskBoard.Review(who, sub, uint64(cid), batch, i == 3 ? 20 : 25);
        }
        vm.prank(requester);
        board.reviewBatches(reviews, "bafkreireview");
        // nobody disputes the 5 rejected items: once the window is over they are refunded
        vm.warp(block.timestamp + DISPUTE_WINDOW + 1);
        board.settleReview(labelerB, reviews[3].submission, uint64(cid), reviews[3].batch);
        vm.prank(requester);
        board.close(cid); // refunds the 5 rejected items
        assertEq(board.getLabeler(labelerA).acceptedItems, 50);
        assertEq(board.getLabeler(labelerB).acceptedItems, 45);
        vm.prank(labelerA);
        board.withdraw();
        assertEq(token.balanceOf(labelerA), 50e18);
    }

    function _publish() internal {
        // 3. the dataset is published with the labelers as contributors (weight = accepted items)
        leaves.push(leaf(labelerA, 50));
        leaves.push(leaf(labelerB, 45));
        vm.prank(requester);
        dataset = registry.register(
            registration(AssetRegistry.Kind.Dataset, new uint256[](0), 0, merkleRoot(leaves), 95)
        );

        // 4. the modeler licenses the dataset (derivatives allowed) and publishes the model
        vm.prank(requester);
        uint256 dataOffer = market.createOffer(
            LicenseMarket.OfferTerms(dataset, 10e18, 0, 0, true, true, false)
        );
        fund(modeler, 10e18);
        vm.prank(modeler);
        token.approve(address(market), 10e18);
        vm.prank(modeler);
        uint256 dataLicense = market.buy(dataOffer, hex"04aa");
        vm.prank(requester);
        market.recordDelivery(dataLicense, "bafkreiwrapped1");
        vm.prank(modeler);
        market.release(dataLicense); // accepts the delivery: escrow paid, derivatives allowed
        vm.prank(modeler);
        model = registry.register(registration(AssetRegistry.Kind.Model, one(dataset), 2_000, 0, 0));

        // 5. the builder licenses the model and publishes an agent using it
        vm.prank(modeler);
        uint256 modelOffer = market.createOffer(LicenseMarket.OfferTerms(model, 0, 0, 0, true, true, false));
        vm.prank(builder);
        uint256 modelLicense = market.buy(modelOffer, hex"04bb");
        vm.prank(modeler);
        market.recordDelivery(modelLicense, "bafkreiwrapped2");
        vm.prank(builder);
        market.release(modelLicense);
        vm.prank(builder);
        agent = registry.register(registration(AssetRegistry.Kind.Agent, one(model), 1_000, 0, 0));

    }

    function _sellAgent() internal {
        // 6. a buyer licenses the agent with a permit; the builder's service delivers the key
        vm.prank(builder);
        uint256 agentOffer = market.createOffer(
            LicenseMarket.OfferTerms(agent, 100e18, 30 days, 0, true, false, false)
        );
        (uint8 v, bytes32 r, bytes32 s) = signPermit(buyerKey, address(market), 100e18, block.timestamp + 1 hours);
        vm.prank(buyer);
        uint256 license = market.buyWithPermit(agentOffer, hex"04cc", block.timestamp + 1 hours, v, r, s);
        vm.prank(builder);
        market.recordDelivery(license, "bafkreiwrapped3");
        assertTrue(market.isLicensed(agent, buyer));
        vm.warp(block.timestamp + market.disputeWindow() + 1); // no dispute: anyone releases
        market.release(license);

    }

    function _royalties() internal {
        // 7. royalties flow up the lineage and everyone claims
        uint256[] memory lineage = new uint256[](3);
        (lineage[0], lineage[1], lineage[2]) = (agent, model, dataset);
        vault.distributeMany(lineage);
        // agent revenue 95 (100 - 5% fee): 10% -> model 9.5; model: 20% -> dataset 1.9
        assertEq(vault.claim(agent, builder, 0, new bytes32[](0)), 85.5e18);
        assertEq(vault.claim(model, modeler, 0, new bytes32[](0)), 7.6e18);
        // dataset: its own sale (9.5) + 1.9 from the model = 11.4, split 50:45
        assertEq(vault.claim(dataset, labelerA, 50, merkleProof(leaves, 0)), 6e18);
        assertEq(vault.claim(dataset, labelerB, 45, merkleProof(leaves, 1)), 5.4e18);
        assertEq(token.balanceOf(treasury), 5e18 + 0.5e18);
        assertEq(token.balanceOf(address(vault)), 0);
    }
}
