// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {SaharaToken} from "../src/SaharaToken.sol";
import {Faucet} from "../src/Faucet.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

contract SaharaTokenTest is Test {
    SaharaToken token;
    Faucet faucet;
    address admin = makeAddr("admin");
    address alice;
    uint256 aliceKey;
    address bob = makeAddr("bob");

    bytes32 constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    function setUp() public {
        (alice, aliceKey) = makeKey("alice");
        token = new SaharaToken(admin, 1_000e18);
        faucet = new Faucet(token, admin, 100e18, 1 days);
        bytes32 minter = token.MINTER_ROLE();
        vm.prank(admin);
        token.grantRole(minter, address(faucet));
        vm.warp(1_700_000_000);
    }

    // ----------------------------------------------------------------- token
    function test_metadataAndInitialSupply() public view {
        assertEq(token.name(), "Sahara");
        assertEq(token.symbol(), "SAHARA");
        assertEq(token.decimals(), 18);
        assertEq(token.totalSupply(), 1_000e18);
        assertEq(token.balanceOf(admin), 1_000e18);
        assertTrue(token.hasRole(token.DEFAULT_ADMIN_ROLE(), admin));
    }

    function test_constructor_zeroSupply() public {
        SaharaToken t = new SaharaToken(admin, 0);
        assertEq(t.totalSupply(), 0);
    }

    function test_constructor_revertsZeroAdmin() public {
        vm.expectRevert(SaharaToken.ZeroAddress.selector);
        new SaharaToken(address(0), 1);
    }

    function test_mint_byMinter() public {
        bytes32 minter = token.MINTER_ROLE();
        vm.prank(admin);
        token.grantRole(minter, bob);
        vm.prank(bob);
        token.mint(alice, 5e18);
        assertEq(token.balanceOf(alice), 5e18);
    }

    function test_mint_revertsWithoutRole() public {
        bytes32 minter = token.MINTER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, bob, minter));
        vm.prank(bob);
        token.mint(bob, 1);
    }

    function test_permit_setsAllowance() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _sign(aliceKey, alice, bob, 7e18, token.nonces(alice), deadline);
        token.permit(alice, bob, 7e18, deadline, v, r, s);
        assertEq(token.allowance(alice, bob), 7e18);
        assertEq(token.nonces(alice), 1);
    }

    function test_permit_revertsExpired() public {
        uint256 deadline = block.timestamp - 1;
        (uint8 v, bytes32 r, bytes32 s) = _sign(aliceKey, alice, bob, 1, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        token.permit(alice, bob, 1, deadline, v, r, s);
    }

    function test_permit_revertsReplay() public {
        uint256 deadline = block.timestamp + 1;
        (uint8 v, bytes32 r, bytes32 s) = _sign(aliceKey, alice, bob, 1, 0, deadline);
        token.permit(alice, bob, 1, deadline, v, r, s);
        vm.expectRevert();
        token.permit(alice, bob, 1, deadline, v, r, s);
    }

    function testFuzz_transfer(uint256 amount) public {
        amount = bound(amount, 0, 1_000e18);
        vm.prank(admin);
        token.transfer(bob, amount);
        assertEq(token.balanceOf(bob), amount);
        assertEq(token.balanceOf(admin) + token.balanceOf(bob), token.totalSupply());
    }

    // ----------------------------------------------------------------- faucet
    function test_faucet_drip() public {
        vm.expectEmit(address(faucet));
        emit Faucet.Dripped(alice, 100e18, alice);
        vm.prank(alice);
        faucet.drip();
        assertEq(token.balanceOf(alice), 100e18);
        assertEq(faucet.nextDripAt(alice), block.timestamp + 1 days);
    }

    function test_faucet_dripTo() public {
        vm.prank(bob);
        faucet.dripTo(alice);
        assertEq(token.balanceOf(alice), 100e18);
        assertEq(faucet.lastDrip(alice), block.timestamp);
    }

    function test_faucet_dripTo_revertsZero() public {
        vm.expectRevert(Faucet.ZeroAddress.selector);
        faucet.dripTo(address(0));
    }

    function test_faucet_revertsDuringCooldown() public {
        vm.prank(alice);
        faucet.drip();
        uint256 readyAt = block.timestamp + 1 days;
        vm.warp(readyAt - 1);
        vm.expectRevert(abi.encodeWithSelector(Faucet.CoolingDown.selector, alice, readyAt));
        vm.prank(alice);
        faucet.drip();
        vm.warp(readyAt);
        vm.prank(alice);
        faucet.drip();
        assertEq(token.balanceOf(alice), 200e18);
    }

    function test_faucet_cooldownIsPerRecipient() public {
        faucet.dripTo(alice);
        faucet.dripTo(bob);
        vm.expectRevert(abi.encodeWithSelector(Faucet.CoolingDown.selector, alice, block.timestamp + 1 days));
        faucet.dripTo(alice);
    }

    function test_faucet_configure() public {
        vm.expectEmit(address(faucet));
        emit Faucet.DripConfigured(5e18, 60);
        vm.prank(admin);
        faucet.configure(5e18, 60);
        assertEq(faucet.dripAmount(), 5e18);
        assertEq(faucet.cooldown(), 60);
    }

    function test_faucet_configure_revertsZeroAmount() public {
        vm.expectRevert(Faucet.ZeroAmount.selector);
        vm.prank(admin);
        faucet.configure(0, 60);
    }

    function test_faucet_configure_revertsNotAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, bob, bytes32(0))
        );
        vm.prank(bob);
        faucet.configure(1, 1);
    }

    function test_faucet_constructorReverts() public {
        vm.expectRevert(Faucet.ZeroAddress.selector);
        new Faucet(SaharaToken(address(0)), admin, 1, 1);
        vm.expectRevert(Faucet.ZeroAddress.selector);
        new Faucet(token, address(0), 1, 1);
        vm.expectRevert(Faucet.ZeroAmount.selector);
        new Faucet(token, admin, 0, 1);
    }

    function test_faucet_revertsWithoutMinterRole() public {
        Faucet other = new Faucet(token, admin, 1, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, address(other), token.MINTER_ROLE()
            )
        );
        other.drip();
    }

    function testFuzz_faucet_neverTwiceWithinCooldown(uint256 dt) public {
        dt = bound(dt, 0, 3 days);
        faucet.dripTo(alice);
        vm.warp(block.timestamp + dt);
        if (dt < 1 days) vm.expectRevert();
        faucet.dripTo(alice);
    }

    function _sign(uint256 key, address owner, address spender, uint256 value, uint256 nonce, uint256 deadline)
        internal
        view
        returns (uint8, bytes32, bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, nonce, deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        return vm.sign(key, digest);
    }
}
